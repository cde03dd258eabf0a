import { ErrorMessage } from "../errors";
import { WRITE_BODY_MAX_BYTES } from "../middleware/body-limit";
import { BOOKMARK_HEADER, errorResponse, jsonResponse, successResponseSchema } from "../openapi";
import { requestContext, writeAnswer } from "../request-context";
import { defineRoute } from "../router";
import {
  aliasParamsSchema,
  chatIdParamsSchema,
  conversationResponseSchema,
  putConversationBodySchema,
} from "./conversations.schemas";
import {
  getConversation,
  putAlias,
  putConversation,
  removeAlias,
  removeConversation,
} from "./conversations.service";

const EXAMPLE = {
  success: true as const,
  record: { chat_id: "123456789@c.us", client_id: "abc123", aliases: ["987654321098765@lid"] },
};

const getConversationRoute = defineRoute(
  {
    operationId: "getConversation",
    scope: "clients:write",
    method: "get",
    path: "/api/conversations/{chatId}",
    request: { params: chatIdParamsSchema },
    docs: WITH_DOCS && {
      tags: ["Conversations"],
      summary: "Read a conversation, by any of its ids",
      responses: {
        200: jsonResponse(
          "The conversation, with its client and every other id.",
          conversationResponseSchema,
          EXAMPLE,
        ),
        400: errorResponse("The chat id is blank or not valid.", [
          ErrorMessage.chatIdRequired,
          ErrorMessage.chatIdInvalid,
        ]),
        404: errorResponse("No conversation has this id.", [ErrorMessage.conversationNotFound]),
      },
    },
  },
  async (c) => {
    const { chatId } = c.req.valid("param");
    const record = await getConversation(requestContext(c), chatId);
    return c.json({ success: true as const, record }, 200);
  },
);

const putConversationRoute = defineRoute(
  {
    operationId: "putConversation",
    scope: "clients:write",
    method: "put",
    path: "/api/conversations/{chatId}",
    request: {
      params: chatIdParamsSchema,
      body: { schema: putConversationBodySchema, maxBytes: WRITE_BODY_MAX_BYTES },
    },
    docs: WITH_DOCS && {
      bodyExample: { client_id: "abc123" },
      tags: ["Conversations"],
      summary: "Link a chat to a client, or unlink it",
      description:
        "Links the conversation that has this id (its chat id or an alias); creates it under the canonical id if " +
        "no conversation has it. Every id of the conversation answers the new link at once in this location.",
      responses: {
        200: jsonResponse(
          "The conversation, created or updated.",
          conversationResponseSchema,
          EXAMPLE,
          BOOKMARK_HEADER,
        ),
        400: errorResponse("The chat id is blank or not valid, or the body is not valid.", [
          ErrorMessage.chatIdRequired,
          ErrorMessage.chatIdInvalid,
          ErrorMessage.invalidBody,
        ]),
        404: errorResponse("`client_id` names no client; nothing was written.", [
          ErrorMessage.clientNotFound,
        ]),
      },
    },
  },
  async (c) => {
    const { chatId } = c.req.valid("param");
    const { client_id } = c.req.valid("json");
    const { record, bookmark } = await putConversation(requestContext(c), chatId, client_id);
    return writeAnswer(c, bookmark, { success: true, record });
  },
);

const deleteConversationRoute = defineRoute(
  {
    operationId: "deleteConversation",
    scope: "clients:write",
    method: "delete",
    path: "/api/conversations/{chatId}",
    request: { params: chatIdParamsSchema },
    docs: WITH_DOCS && {
      tags: ["Conversations"],
      summary: "Delete a conversation, by its chat id",
      description:
        'Every id of the conversation answers "Conversation not found" at once in this location. Only the ' +
        "conversation's own chat id deletes it: through an alias, nothing is deleted (409), so that a call never " +
        "destroys a conversation it did not name.",
      responses: {
        200: jsonResponse(
          "The conversation is deleted.",
          successResponseSchema,
          { success: true },
          BOOKMARK_HEADER,
        ),
        400: errorResponse("The chat id is blank or not valid.", [
          ErrorMessage.chatIdRequired,
          ErrorMessage.chatIdInvalid,
        ]),
        404: errorResponse("No conversation has this id.", [ErrorMessage.conversationNotFound]),
        409: errorResponse("The id is an alias of a conversation, not its chat id; nothing was deleted.", [
          ErrorMessage.deleteByChatId,
        ]),
      },
    },
  },
  async (c) => {
    const { chatId } = c.req.valid("param");
    const { bookmark } = await removeConversation(requestContext(c), chatId);
    return writeAnswer(c, bookmark, { success: true });
  },
);

const addAliasRoute = defineRoute(
  {
    operationId: "addAlias",
    scope: "aliases:write",
    method: "put",
    path: "/api/conversations/{chatId}/aliases/{alias}",
    request: { params: aliasParamsSchema },
    docs: WITH_DOCS && {
      tags: ["Conversations"],
      summary: "Add another id of the same person (a LID, a phone-number id, a business-scoped user id)",
      description:
        "An id of no conversation is added. An id of another conversation merges that one into this one (all its " +
        "ids move here, it is removed), in one atomic write, when no client mapping is lost: either has no client " +
        "(the merged conversation keeps the one there is), or both have the same. Every id answers at once in " +
        "this location. Only a person's conversation has aliases. `aliases:write` (a bot's scope, included in " +
        "`clients:write`) allows this call, with the same outcomes, and no other write.",
      responses: {
        200: jsonResponse(
          "The conversation, with the alias among its ids.",
          conversationResponseSchema,
          EXAMPLE,
          BOOKMARK_HEADER,
        ),
        400: errorResponse(
          "The chat id is blank or not valid; the alias or the conversation is not a person's (a group, broadcast " +
            "or newsletter has no aliases).",
          [ErrorMessage.chatIdRequired, ErrorMessage.chatIdInvalid, ErrorMessage.aliasInvalid],
        ),
        404: errorResponse("No conversation has the chat id.", [ErrorMessage.conversationNotFound]),
        409: errorResponse("The alias is an id of a conversation of another client; nothing changed.", [
          ErrorMessage.chatIdConflict,
        ]),
      },
    },
  },
  async (c) => {
    const { chatId, alias } = c.req.valid("param");
    const { record, bookmark } = await putAlias(requestContext(c), chatId, alias);
    return writeAnswer(c, bookmark, { success: true, record });
  },
);

const removeAliasRoute = defineRoute(
  {
    operationId: "removeAlias",
    scope: "clients:write",
    method: "delete",
    path: "/api/conversations/{chatId}/aliases/{alias}",
    request: { params: aliasParamsSchema },
    docs: WITH_DOCS && {
      tags: ["Conversations"],
      summary: "Remove an id from a conversation, its own chat id included",
      description:
        'The id answers "Conversation not found" at once in this location; the other ids answer as before. Any id ' +
        "can be removed while another remains (a person changed number or business-scoped user id). When it is " +
        "the conversation's chat id, the conversation takes a phone-number id if one remains, else a LID, else a " +
        "business-scoped user id, the earliest added within a kind.",
      responses: {
        200: jsonResponse("The alias is removed.", successResponseSchema, { success: true }, BOOKMARK_HEADER),
        400: errorResponse("The chat id is blank or not valid, or the alias is not valid.", [
          ErrorMessage.chatIdRequired,
          ErrorMessage.chatIdInvalid,
          ErrorMessage.aliasInvalid,
        ]),
        404: errorResponse("No conversation has the chat id, or the alias is not one of its ids.", [
          ErrorMessage.conversationNotFound,
          ErrorMessage.aliasNotFound,
        ]),
        409: errorResponse("The alias is the conversation's last id; nothing changed.", [
          ErrorMessage.lastId,
        ]),
      },
    },
  },
  async (c) => {
    const { chatId, alias } = c.req.valid("param");
    const { bookmark } = await removeAlias(requestContext(c), chatId, alias);
    return writeAnswer(c, bookmark, { success: true });
  },
);

/** `/api/conversations`: the conversations that link chats to clients, and their ids. */
export const conversationRoutes = [
  getConversationRoute,
  putConversationRoute,
  deleteConversationRoute,
  addAliasRoute,
  removeAliasRoute,
];
