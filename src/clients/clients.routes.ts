import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { ApiError, ErrorMessage, errorResponse } from "../errors";
import { requireScope } from "../middleware/auth";
import { viewClientQuerySchema, viewClientResponseSchema } from "./clients.schemas";
import { findClientSessionByChatId } from "./clients.service";

const viewClientRoute = createRoute({
  method: "get",
  path: "/view",
  summary: "Find the client and WhatsApp session of a chat",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:read")] as const,
  request: { query: viewClientQuerySchema },
  responses: {
    200: {
      description: "The chat's client and the session that serves it.",
      content: {
        "application/json": {
          schema: viewClientResponseSchema,
          example: { success: true, record: { id: "abc123", session_id: "xyz789" } },
        },
      },
    },
    400: errorResponse("`chatId` is missing or not a WhatsApp chat id.", ErrorMessage.chatIdRequired),
    401: errorResponse("No valid bearer token.", ErrorMessage.unauthorized),
    403: errorResponse("The token lacks the `clients:read` scope.", ErrorMessage.permissionDenied),
    404: errorResponse(
      "No conversation has this chat id (`Conversation not found`), or it has no client (`Client not found`).",
      ErrorMessage.conversationNotFound,
    ),
    408: errorResponse("Storage did not answer within `LOOKUP_TIMEOUT_MS`.", ErrorMessage.requestTimeout),
    500: errorResponse("An unexpected failure.", ErrorMessage.internal),
  },
});

/** `/api/clients`: the lookup. */
export const clientsRoutes = createRouter()
  .openapi(viewClientRoute, async (c) => {
    const { chatId } = c.req.valid("query");
    const record = await findClientSessionByChatId(
      {
        env: c.env,
        waitUntil: (work) => c.executionCtx.waitUntil(work),
        deadline: c.var.deadline,
        requestId: c.var.requestId,
        visibleSessions: c.var.token.sessions,
      },
      chatId,
    );
    return c.json({ success: true as const, record }, 200);
  })
  .all("/view", () => {
    throw new ApiError(405, ErrorMessage.methodNotAllowed, { headers: { Allow: "GET" } });
  });
