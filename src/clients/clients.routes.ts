import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { ErrorMessage, errorResponse } from "../errors";
import { allowMethods } from "../middleware/allow-methods";
import { requireScope } from "../middleware/auth";
import { writeBodyLimit } from "../middleware/body-limit";
import { limitPerToken } from "../middleware/rate-limit";
import { requestContext } from "../request-context";
import {
  clientIdParamsSchema,
  clientSessionResponseSchema,
  putClientBodySchema,
  successResponseSchema,
  viewClientQuerySchema,
} from "./clients.schemas";
import { lookupChat, putClient, removeClient, visibleAnswer } from "./clients.service";

const EXAMPLE_RECORD = { id: "abc123", session_id: "xyz789" };

const bookmarkHeader = {
  "x-d1-bookmark": {
    description: "The D1 bookmark after this write: send it on reads to see this write from any replica.",
    schema: { type: "string" as const },
  },
};

const authErrors = (scope: string) => ({
  401: errorResponse("No valid bearer token.", ErrorMessage.unauthorized),
  403: errorResponse(`The token lacks the \`${scope}\` scope.`, ErrorMessage.permissionDenied),
  408: errorResponse("Storage did not answer within `LOOKUP_TIMEOUT_MS`.", ErrorMessage.requestTimeout),
  429: errorResponse("The token is over its rate limit; see `Retry-After`.", ErrorMessage.tooManyRequests),
  500: errorResponse("An unexpected failure.", ErrorMessage.internal),
});

const viewClientRoute = createRoute({
  method: "get",
  path: "/view",
  summary: "Find the client and WhatsApp session of a chat",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:read"), limitPerToken] as const,
  request: { query: viewClientQuerySchema },
  responses: {
    200: {
      description: "The chat's client and the session that serves it.",
      content: {
        "application/json": {
          schema: clientSessionResponseSchema,
          example: { success: true, record: EXAMPLE_RECORD },
        },
      },
    },
    400: errorResponse("`chatId` is missing or not a WhatsApp chat id.", ErrorMessage.chatIdRequired),
    404: errorResponse(
      "No conversation has this chat id (`Conversation not found`), or it has no client (`Client not found`).",
      ErrorMessage.conversationNotFound,
    ),
    ...authErrors("clients:read"),
  },
});

const putClientRoute = createRoute({
  method: "put",
  path: "/{id}",
  summary: "Create or update a client",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken, writeBodyLimit] as const,
  request: {
    params: clientIdParamsSchema,
    body: { required: true, content: { "application/json": { schema: putClientBodySchema } } },
  },
  responses: {
    200: {
      description: "The client, created or updated.",
      headers: bookmarkHeader,
      content: {
        "application/json": {
          schema: clientSessionResponseSchema,
          example: { success: true, record: EXAMPLE_RECORD },
        },
      },
    },
    400: errorResponse("The id or the body is not valid.", ErrorMessage.invalidBody),
    413: errorResponse("The body is larger than 16 KiB.", ErrorMessage.payloadTooLarge),
    ...authErrors("clients:write"),
  },
});

const deleteClientRoute = createRoute({
  method: "delete",
  path: "/{id}",
  summary: "Delete a client (its conversations stay, unlinked)",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  request: { params: clientIdParamsSchema },
  responses: {
    200: {
      description: "The client is deleted.",
      headers: bookmarkHeader,
      content: { "application/json": { schema: successResponseSchema, example: { success: true } } },
    },
    400: errorResponse("The id is not valid.", ErrorMessage.clientIdInvalid),
    404: errorResponse("No client has this id.", ErrorMessage.clientNotFound),
    ...authErrors("clients:write"),
  },
});

/** Whether the caller asked to skip every cache (`Cache-Control: no-cache`). */
function wantsFreshAnswer(cacheControl: string | undefined): boolean {
  return (cacheControl ?? "")
    .toLowerCase()
    .split(",")
    .some((directive) => directive.trim() === "no-cache");
}

const router = createRouter();
router.all("/view", allowMethods("GET"));

/** `/api/clients`: the lookup, and the writes that keep clients. */
export const clientsRoutes = router
  .openapi(viewClientRoute, async (c) => {
    const { chatId } = c.req.valid("query");
    const result = await lookupChat(requestContext(c), chatId, {
      fresh: wantsFreshAnswer(c.req.header("Cache-Control")),
      bookmark: c.req.header("x-d1-bookmark") ?? null,
    });
    c.set("cacheTier", result.tier);
    c.header("Server-Timing", `tier;desc="${result.tier}", storage;dur=${result.storageMs}`);
    if (result.bookmark !== null) c.header("x-d1-bookmark", result.bookmark);
    const record = visibleAnswer(result.lookup, c.var.token.sessions);
    return c.json({ success: true as const, record }, 200);
  })
  .openapi(putClientRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const { record, bookmark } = await putClient(requestContext(c), id, {
      sessionId: body.session_id,
      name: body.name,
      phone: body.phone,
    });
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const, record }, 200);
  })
  .openapi(deleteClientRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { bookmark } = await removeClient(requestContext(c), id);
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const }, 200);
  });

clientsRoutes.all("/:id", allowMethods("PUT", "DELETE"));
