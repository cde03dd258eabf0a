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
  chatIdParamsSchema,
  conversationResponseSchema,
  putConversationBodySchema,
} from "./conversations.schemas";
import { putConversation, removeConversation } from "./conversations.service";

const putConversationRoute = defineRoute({
  method: "put",
  path: "/{chatId}",
  tags: ["Conversations"],
  summary: "Link a chat to a client, or unlink it",
  description:
    "Creates the chat's conversation if needed, stored under the canonical chat id. The chat's lookup answers " +
    "the new link at once in this location.",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken, writeBodyLimit] as const,
  request: {
    params: chatIdParamsSchema,
    body: {
      required: true,
      content: {
        "application/json": { schema: putConversationBodySchema, example: { client_id: "abc123" } },
      },
    },
  },
  responses: {
    200: jsonResponse(
      "The conversation, created or updated.",
      conversationResponseSchema,
      { success: true, record: { chat_id: "123456789@c.us", client_id: "abc123" } },
      BOOKMARK_HEADER,
    ),
    400: errorResponse("The chat id or the body is not valid.", [
      ErrorMessage.chatIdInvalid,
      ErrorMessage.invalidBody,
    ]),
    404: errorResponse("`client_id` names no client; nothing was written.", [ErrorMessage.clientNotFound]),
    413: errorResponse("The body is larger than 16 KiB.", [ErrorMessage.payloadTooLarge]),
    ...protectedRouteErrors("clients:write", "PUT, DELETE"),
  },
});

const deleteConversationRoute = defineRoute({
  method: "delete",
  path: "/{chatId}",
  tags: ["Conversations"],
  summary: "Delete a chat's conversation",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  request: { params: chatIdParamsSchema },
  responses: {
    200: jsonResponse(
      "The conversation is deleted.",
      successResponseSchema,
      { success: true },
      BOOKMARK_HEADER,
    ),
    400: errorResponse("The chat id is not valid.", [ErrorMessage.chatIdInvalid]),
    404: errorResponse("No conversation has this chat id.", [ErrorMessage.conversationNotFound]),
    ...protectedRouteErrors("clients:write", "PUT, DELETE"),
  },
});

/** `/api/conversations`: the writes that link chats to clients. */
export const conversationsRoutes = createRouter()
  .openapi(putConversationRoute, async (c) => {
    const { chatId } = c.req.valid("param");
    const { client_id } = c.req.valid("json");
    const { bookmark } = await putConversation(requestContext(c), chatId, client_id);
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const, record: { chat_id: chatId, client_id } }, 200);
  })
  .openapi(deleteConversationRoute, async (c) => {
    const { chatId } = c.req.valid("param");
    const { bookmark } = await removeConversation(requestContext(c), chatId);
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const }, 200);
  });

conversationsRoutes.all("/:chatId", allowMethods("PUT", "DELETE"));
