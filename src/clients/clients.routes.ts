import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
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
import {
  clientIdParamsSchema,
  clientSessionResponseSchema,
  putClientBodySchema,
  viewClientQuerySchema,
} from "./clients.schemas";
import { lookupChat, putClient, removeClient, visibleAnswer } from "./clients.service";

// The original API documentation's own example.
const EXAMPLE = { success: true as const, record: { id: "abc123", session_id: "xyz789" } };

const viewClientRoute = createRoute({
  method: "get",
  path: "/view",
  tags: ["Lookup"],
  summary: "Find the client and WhatsApp session of a chat",
  description:
    "Resolves a chat id to its client and the WhatsApp session that serves it, from the nearest cache tier " +
    "(`Server-Timing` names it). Send `Cache-Control: no-cache` to skip every cache and read D1, with " +
    "`x-d1-bookmark` to read your own write from any replica.",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:read"), limitPerToken] as const,
  request: { query: viewClientQuerySchema },
  responses: {
    200: jsonResponse(
      "The chat's client and the session that serves it.",
      clientSessionResponseSchema,
      EXAMPLE,
      {
        "Server-Timing": {
          description:
            'The tier that answered and the storage time: `tier;desc="memory|kv|d1", storage;dur=<ms>`.',
          schema: { type: "string" },
        },
        ...BOOKMARK_HEADER,
      },
    ),
    400: errorResponse("`chatId` is missing, given twice, or not a WhatsApp chat id.", [
      ErrorMessage.chatIdRequired,
      ErrorMessage.chatIdInvalid,
    ]),
    404: errorResponse(
      "No conversation has this chat id, or the token is limited to other sessions (`Conversation not found`); " +
        "the conversation has no client (`Client not found`).",
      [ErrorMessage.conversationNotFound, ErrorMessage.clientNotFound],
    ),
    ...protectedRouteErrors("clients:read", "GET"),
  },
});

const putClientRoute = createRoute({
  method: "put",
  path: "/{id}",
  tags: ["Clients"],
  summary: "Create or update a client",
  description:
    "Every cached chat of the client answers its new session at once in this location. Private fields left " +
    "out keep their value.",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken, writeBodyLimit] as const,
  request: {
    params: clientIdParamsSchema,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: putClientBodySchema,
          example: { session_id: "xyz789", name: "Acme", phone: "+15550100" },
        },
      },
    },
  },
  responses: {
    200: jsonResponse(
      "The client, created or updated.",
      clientSessionResponseSchema,
      EXAMPLE,
      BOOKMARK_HEADER,
    ),
    400: errorResponse("The id or the body is not valid.", [
      ErrorMessage.clientIdInvalid,
      ErrorMessage.invalidBody,
    ]),
    413: errorResponse("The body is larger than 16 KiB.", [ErrorMessage.payloadTooLarge]),
    ...protectedRouteErrors("clients:write", "PUT, DELETE"),
  },
});

const deleteClientRoute = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["Clients"],
  summary: "Delete a client",
  description: 'Its conversations stay, unlinked: their lookups answer "Client not found" at once.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  request: { params: clientIdParamsSchema },
  responses: {
    200: jsonResponse("The client is deleted.", successResponseSchema, { success: true }, BOOKMARK_HEADER),
    400: errorResponse("The id is not valid.", [ErrorMessage.clientIdInvalid]),
    404: errorResponse("No client has this id.", [ErrorMessage.clientNotFound]),
    ...protectedRouteErrors("clients:write", "PUT, DELETE"),
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
    // Which tier answered would tell a session-limited token that a hidden chat exists.
    if (c.var.token.sessions === null) {
      c.header("Server-Timing", `tier;desc="${result.tier}", storage;dur=${result.storageMs}`);
      if (result.bookmark !== null) c.header("x-d1-bookmark", result.bookmark);
    }
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
