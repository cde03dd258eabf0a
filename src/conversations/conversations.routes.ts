import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { successResponseSchema } from "../clients/clients.schemas";
import { ErrorMessage, errorResponse } from "../errors";
import { allowMethods } from "../middleware/allow-methods";
import { requireScope } from "../middleware/auth";
import { writeBodyLimit } from "../middleware/body-limit";
import { limitPerToken } from "../middleware/rate-limit";
import { requestContext } from "../request-context";
import {
  chatIdParamsSchema,
  conversationResponseSchema,
  putConversationBodySchema,
} from "./conversations.schemas";
import { putConversation, removeConversation } from "./conversations.service";

const bookmarkHeader = {
  "x-d1-bookmark": {
    description: "The D1 bookmark after this write: send it on reads to see this write from any replica.",
    schema: { type: "string" as const },
  },
};

const writeErrors = {
  401: errorResponse("No valid bearer token.", ErrorMessage.unauthorized),
  403: errorResponse("The token lacks the `clients:write` scope.", ErrorMessage.permissionDenied),
  408: errorResponse("Storage did not answer within `LOOKUP_TIMEOUT_MS`.", ErrorMessage.requestTimeout),
  429: errorResponse("The token is over its rate limit; see `Retry-After`.", ErrorMessage.tooManyRequests),
  500: errorResponse("An unexpected failure.", ErrorMessage.internal),
};

const putConversationRoute = createRoute({
  method: "put",
  path: "/{chatId}",
  summary: "Link a chat to a client (or unlink it)",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken, writeBodyLimit] as const,
  request: {
    params: chatIdParamsSchema,
    body: { required: true, content: { "application/json": { schema: putConversationBodySchema } } },
  },
  responses: {
    200: {
      description: "The conversation, created or updated.",
      headers: bookmarkHeader,
      content: {
        "application/json": {
          schema: conversationResponseSchema,
          example: { success: true, record: { chat_id: "123456789@c.us", client_id: "abc123" } },
        },
      },
    },
    400: errorResponse("The chat id or the body is not valid.", ErrorMessage.invalidBody),
    404: errorResponse("`client_id` names no client.", ErrorMessage.clientNotFound),
    413: errorResponse("The body is larger than 16 KiB.", ErrorMessage.payloadTooLarge),
    ...writeErrors,
  },
});

const deleteConversationRoute = createRoute({
  method: "delete",
  path: "/{chatId}",
  summary: "Delete a chat's conversation",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  request: { params: chatIdParamsSchema },
  responses: {
    200: {
      description: "The conversation is deleted.",
      headers: bookmarkHeader,
      content: { "application/json": { schema: successResponseSchema, example: { success: true } } },
    },
    400: errorResponse("The chat id is not valid.", ErrorMessage.chatIdInvalid),
    404: errorResponse("No conversation has this chat id.", ErrorMessage.conversationNotFound),
    ...writeErrors,
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
