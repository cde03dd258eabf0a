import { clientSessionResponseSchema } from "../domain/client";
import { ApiError, ErrorMessage } from "../errors";
import { allowMethods } from "../middleware/allow-methods";
import { requireScope } from "../middleware/auth";
import { limitPerToken } from "../middleware/rate-limit";
import { BOOKMARK_HEADER, errorResponse, jsonResponse, protectedRouteErrors } from "../openapi";
import { requestContext } from "../request-context";
import { createRouter, defineRoute } from "../router";
import { viewClientQuerySchema } from "./lookup.schemas";
import { lookUpClientSession } from "./lookup.service";

// The original API documentation's own example.
const EXAMPLE = { success: true as const, record: { id: "abc123", session_id: "xyz789" } };

const viewClientRoute = defineRoute({
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

/** Whether the caller asked to skip every cache (`Cache-Control: no-cache`). */
function wantsFreshAnswer(cacheControl: string | undefined): boolean {
  return (cacheControl ?? "")
    .toLowerCase()
    .split(",")
    .some((directive) => directive.trim() === "no-cache");
}

const router = createRouter();
router.all("/view", allowMethods("GET"));

/** `/api/clients/view`: the lookup. */
export const lookupRoutes = router.openapi(viewClientRoute, async (c) => {
  const { chatId } = c.req.valid("query");
  const { sessions } = c.var.token;
  const result = await lookUpClientSession(requestContext(c), chatId, {
    fresh: wantsFreshAnswer(c.req.header("Cache-Control")),
    bookmark: c.req.header("x-d1-bookmark") ?? null,
    visibleSessions: sessions,
  });
  c.set("cacheTier", result.tier);
  // Which tier answered would tell a session-limited token that a hidden chat exists.
  if (sessions === null) {
    c.header("Server-Timing", `tier;desc="${result.tier}", storage;dur=${result.storageMs}`);
    if (result.bookmark !== null) c.header("x-d1-bookmark", result.bookmark);
  }
  if ("error" in result.answer) throw new ApiError(404, result.answer.error);
  return c.json({ success: true as const, record: result.answer.record }, 200);
});
