import type { Context } from "hono";
import { clientSessionResponseSchema } from "../domain/client";
import { ApiError, ErrorMessage } from "../errors";
import { BOOKMARK_HEADER, errorResponse, jsonResponse } from "../openapi";
import { type AppEnv, requestContext } from "../request-context";
import { defineRoute } from "../router";
import {
  batchBodySchema,
  batchResponseSchema,
  lookupHeadersSchema,
  viewClientQuerySchema,
} from "./lookup.schemas";
import { lookUpClientSession, lookUpClientSessions } from "./lookup.service";

const SERVER_TIMING_HEADER = {
  "Server-Timing": {
    description:
      'The deepest tier that answered and the storage time: `tier;desc="memory|kv|d1", storage;dur=<ms>`.',
    schema: { type: "string" as const },
  },
};

// The original API documentation's own example.
const EXAMPLE = { success: true as const, record: { id: "abc123", session_id: "xyz789" } };

/** Whether the caller asked to skip every cache (`Cache-Control: no-cache`). */
function wantsFreshAnswer(c: Context<AppEnv>): boolean {
  return (c.req.header("Cache-Control") ?? "")
    .toLowerCase()
    .split(",")
    .some((directive) => directive.trim() === "no-cache");
}

// Lookups that skip the caches reach D1 every time: a budget of their own.
const NO_CACHE_LIMIT = {
  limiter: "NO_CACHE_RATE_LIMITER",
  applies: wantsFreshAnswer,
  description: "lookups with `Cache-Control: no-cache`",
} as const;

/** How a lookup may be answered, from the request's headers and token, and what it includes. */
function readOptions(c: Context<AppEnv>, includeSession: boolean) {
  return {
    fresh: wantsFreshAnswer(c),
    bookmark: c.req.header("x-d1-bookmark") ?? null,
    visibleSessions: c.var.token.sessions,
    includeSession,
  };
}

/** Where the answer came from, for callers that may know it. */
function describeStorage(
  c: Context<AppEnv>,
  result: { tier: string; storageMs: number; bookmark: string | null },
) {
  c.set("cacheTier", result.tier);
  // Which tier answered would tell a session-limited token that a hidden chat exists.
  if (c.var.token.sessions !== null) return;
  c.header("Server-Timing", `tier;desc="${result.tier}", storage;dur=${result.storageMs}`);
  if (result.bookmark !== null) c.header("x-d1-bookmark", result.bookmark);
}

/** `GET /api/clients/view`: the lookup of one chat. */
const getClientSessionRoute = defineRoute(
  {
    operationId: "getClientSession",
    method: "get",
    path: "/api/clients/view",
    scope: "clients:read",
    limits: [NO_CACHE_LIMIT],
    request: { query: viewClientQuerySchema, headers: lookupHeadersSchema },
    docs: WITH_DOCS && {
      tags: ["Lookup"],
      summary: "Find the client and WhatsApp session of a chat",
      description:
        "Resolves a chat id to its client and the WhatsApp session that serves it, from the nearest cache tier " +
        "(`Server-Timing` names it). Send `Cache-Control: no-cache` to skip every cache and read D1, with " +
        "`x-d1-bookmark` to read your own write from any replica. With `include=session`, the record also says " +
        "whether its session can send (`session: {status, since}`), from the same tiers: a hot lookup still " +
        "touches no storage.",
      responses: {
        200: jsonResponse(
          "The chat's client and the session that serves it.",
          clientSessionResponseSchema,
          EXAMPLE,
          { ...SERVER_TIMING_HEADER, ...BOOKMARK_HEADER },
        ),
        400: errorResponse(
          "`chatId` is missing, given twice, or not a WhatsApp chat id (`alt` likewise); `alt` with a group, broadcast " +
            "or newsletter id on either side (`Invalid alt`); `include` names another part.",
          [
            ErrorMessage.chatIdRequired,
            ErrorMessage.chatIdInvalid,
            ErrorMessage.altInvalid,
            ErrorMessage.includeInvalid,
          ],
        ),
        404: errorResponse(
          "No conversation has this chat id, or the token is limited to other sessions (`Conversation not found`); " +
            "the conversation has no client (`Client not found`).",
          [ErrorMessage.conversationNotFound, ErrorMessage.clientNotFound],
        ),
      },
    },
  },
  async (c) => {
    const { chatId, alt, include } = c.req.valid("query");
    const result = await lookUpClientSession(requestContext(c), { chatId, alt }, readOptions(c, include));
    describeStorage(c, result);
    if ("error" in result.answer) throw new ApiError(404, result.answer.error);
    return c.json({ success: true as const, record: result.answer.record }, 200);
  },
);

/** `POST /api/clients/view/batch`: the lookups of up to 100 chats. */
const getClientSessionsRoute = defineRoute(
  {
    operationId: "getClientSessions",
    method: "post",
    path: "/api/clients/view/batch",
    scope: "clients:read",
    limits: [{ limiter: "BATCH_RATE_LIMITER", description: "batches" }, NO_CACHE_LIMIT],
    request: {
      headers: lookupHeadersSchema,
      body: {
        schema: batchBodySchema, // 100 items of two 160-character ids each fit with room to spare.
        maxBytes: 64 * 1024,
      },
    },
    docs: WITH_DOCS && {
      bodyExample: {
        lookups: [
          { chatId: "123456789@c.us" },
          { chatId: "987654321098765@lid", alt: "123456789@s.whatsapp.net" },
          { chatId: "555000111@c.us" },
        ],
      },
      tags: ["Lookup"],
      summary: "Find the clients and sessions of up to 100 chats at once",
      description:
        "Each result is exactly what the single lookup answers for its item: `{record}`, or `{error}` with its 400 or " +
        "404 message. All the items' cache misses cost at most one D1 query and one KV bulk read (two when more than " +
        '100 ids miss memory: KV reads 100 keys at a time). With `"include": ["session"]`, each record also ' +
        "carries its session's status, whose misses cost at most one more KV bulk read and D1 query. A batch " +
        "counts as one request against the rate limit. `Cache-Control: no-cache` and `x-d1-bookmark` work as for " +
        "the single lookup.",
      responses: {
        200: jsonResponse(
          "One result per lookup, in order.",
          batchResponseSchema,
          {
            success: true as const,
            results: [
              { record: EXAMPLE.record },
              { record: EXAMPLE.record },
              { error: ErrorMessage.clientNotFound },
            ],
          },
          { ...SERVER_TIMING_HEADER, ...BOOKMARK_HEADER },
        ),
        400: errorResponse("The body is not JSON, not declared as JSON, or not 1 to 100 lookups.", [
          ErrorMessage.invalidBody,
        ]),
      },
    },
  },
  async (c) => {
    const { lookups, include = [] } = c.req.valid("json");
    const result = await lookUpClientSessions(
      requestContext(c),
      lookups,
      readOptions(c, include.includes("session")),
    );
    describeStorage(c, result);
    return c.json({ success: true as const, results: result.answers }, 200);
  },
);

/** The lookup, of one chat or many. */
export const lookupRoutes = [getClientSessionRoute, getClientSessionsRoute];
