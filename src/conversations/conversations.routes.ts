import { ErrorMessage } from "../errors";
import { allowMethods } from "../middleware/allow-methods";
import { requireScope } from "../middleware/auth";
import { writeBodyLimit } from "../middleware/body-limit";
import { limitPerToken } from "../middleware/rate-limit";
import {
  BOOKMARK_HEADER,
  errorResponse,
  jsonResponse,
  protectedRouteErrors,
  successResponseSchema,
} from "../openapi";
import { requestContext } from "../request-context";
import { createRouter, defineRoute } from "../router";
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

const CONVERSATION_METHODS = "GET, PUT, DELETE";
const ALIAS_METHODS = "PUT, DELETE";
const EXAMPLE = {
  success: true as const,
  record: { chat_id: "123456789@c.us", client_id: "abc123", aliases: ["987654321098765@lid"] },
};

const getConversationRoute = defineRoute({
  operationId: "getConversation",
  tags: ["Conversations"],
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  method: "get",
  path: "/{chatId}",
  summary: "Read a conversation, by any of its ids",
  request: {
    get params() {
      return chatIdParamsSchema();
    },
  },
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
    ...protectedRouteErrors("clients:write", CONVERSATION_METHODS),
  },
});

const putConversationRoute = defineRoute({
  operationId: "putConversation",
  tags: ["Conversations"],
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken, writeBodyLimit] as const,
  method: "put",
  path: "/{chatId}",
  summary: "Link a chat to a client, or unlink it",
  description:
    "Links the conversation that has this id (its chat id or an alias); creates it under the canonical id if " +
    "no conversation has it. Every id of the conversation answers the new link at once in this location.",
  request: {
    get params() {
      return chatIdParamsSchema();
    },
    body: {
      required: true,
      content: {
        "application/json": {
          get schema() {
            return putConversationBodySchema();
          },
          example: { client_id: "abc123" },
        },
      },
    },
  },
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
    404: errorResponse("`client_id` names no client; nothing was written.", [ErrorMessage.clientNotFound]),
    413: errorResponse("The body is larger than 16 KiB.", [ErrorMessage.payloadTooLarge]),
    ...protectedRouteErrors("clients:write", CONVERSATION_METHODS),
  },
});

const deleteConversationRoute = defineRoute({
  operationId: "deleteConversation",
  tags: ["Conversations"],
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  method: "delete",
  path: "/{chatId}",
  summary: "Delete a conversation, by any of its ids",
  description: 'Every id of the conversation answers "Conversation not found" at once in this location.',
  request: {
    get params() {
      return chatIdParamsSchema();
    },
  },
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
    ...protectedRouteErrors("clients:write", CONVERSATION_METHODS),
  },
});

const putAliasRoute = defineRoute({
  operationId: "addAlias",
  tags: ["Conversations"],
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  method: "put",
  path: "/{chatId}/aliases/{alias}",
  summary: "Add another id of the same person (a LID or a phone-number id)",
  description:
    "An id of no conversation is added. An id of another conversation merges that one into this one (all its " +
    "ids move here, it is removed), in one atomic write, when no client mapping is lost: either has no client " +
    "(the merged conversation keeps the one there is), or both have the same. Every id answers at once in " +
    "this location.",
  request: {
    get params() {
      return aliasParamsSchema();
    },
  },
  responses: {
    200: jsonResponse(
      "The conversation, with the alias among its ids.",
      conversationResponseSchema,
      EXAMPLE,
      BOOKMARK_HEADER,
    ),
    400: errorResponse("The chat id is blank or not valid, or the alias is not a person's id.", [
      ErrorMessage.chatIdRequired,
      ErrorMessage.chatIdInvalid,
      ErrorMessage.aliasInvalid,
    ]),
    404: errorResponse("No conversation has the chat id.", [ErrorMessage.conversationNotFound]),
    409: errorResponse("The alias is an id of a conversation of another client; nothing changed.", [
      ErrorMessage.chatIdConflict,
    ]),
    ...protectedRouteErrors("clients:write", ALIAS_METHODS),
  },
});

const deleteAliasRoute = defineRoute({
  operationId: "removeAlias",
  tags: ["Conversations"],
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  method: "delete",
  path: "/{chatId}/aliases/{alias}",
  summary: "Remove an id from a conversation",
  description:
    'The alias answers "Conversation not found" at once in this location. A conversation\'s own chat id is not ' +
    "an alias: delete the conversation instead.",
  request: {
    get params() {
      return aliasParamsSchema();
    },
  },
  responses: {
    200: jsonResponse("The alias is removed.", successResponseSchema, { success: true }, BOOKMARK_HEADER),
    400: errorResponse("The chat id is blank or not valid, or the alias is not valid.", [
      ErrorMessage.chatIdRequired,
      ErrorMessage.chatIdInvalid,
      ErrorMessage.aliasInvalid,
    ]),
    404: errorResponse("No conversation has the chat id, or the alias is not one of its aliases.", [
      ErrorMessage.conversationNotFound,
      ErrorMessage.aliasNotFound,
    ]),
    ...protectedRouteErrors("clients:write", ALIAS_METHODS),
  },
});

const router = createRouter();
router.all("/:chatId", allowMethods("GET", "PUT", "DELETE"));
router.all("/:chatId/aliases/:alias", allowMethods("PUT", "DELETE"));

/** `/api/conversations`: the conversations that link chats to clients, and their ids. */
export const conversationsRoutes = router
  .openapi(getConversationRoute, async (c) => {
    const { chatId } = c.req.valid("param");
    const record = await getConversation(requestContext(c), chatId);
    return c.json({ success: true as const, record }, 200);
  })
  .openapi(putConversationRoute, async (c) => {
    const { chatId } = c.req.valid("param");
    const { client_id } = c.req.valid("json");
    const { record, bookmark } = await putConversation(requestContext(c), chatId, client_id);
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const, record }, 200);
  })
  .openapi(deleteConversationRoute, async (c) => {
    const { chatId } = c.req.valid("param");
    const { bookmark } = await removeConversation(requestContext(c), chatId);
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const }, 200);
  })
  .openapi(putAliasRoute, async (c) => {
    const { chatId, alias } = c.req.valid("param");
    const { record, bookmark } = await putAlias(requestContext(c), chatId, alias);
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const, record }, 200);
  })
  .openapi(deleteAliasRoute, async (c) => {
    const { chatId, alias } = c.req.valid("param");
    const { bookmark } = await removeAlias(requestContext(c), chatId, alias);
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const }, 200);
  });
