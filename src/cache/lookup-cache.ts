/**
 * The cache tiers in front of the lookup's D1 query.
 *
 * - Memory, per Worker instance: every answer, found or not, for `MEMORY_CACHE_TTL_MS` (a few
 *   seconds), bounded in entries and bytes. A hot chat costs no storage round trip at all.
 * - KV, per location: found answers only, for `CACHE_TTL_SECONDS`, under a key that carries no
 *   phone number: a SHA-256 of the canonical chat id behind a version prefix, so a change of the
 *   cached shape never reads old entries.
 *
 * KV is an optimisation only: a failing read is a miss and a failing write is dropped, both
 * logged, never a failed lookup. Writes refresh both tiers for every chat they affect.
 */
import { OVER_BUDGET, withinBudget } from "../lib/deadline";
import { describeError, logEvent } from "../lib/log";
import { sha256Hex } from "../lib/sha256";
import type { RequestContext } from "../request-context";
import { jsonSize, MemoryCache } from "./memory-cache";

/** What a successful lookup answers: the client's id and its WhatsApp session. */
export interface ClientSession {
  id: string;
  session_id: string;
}

/** What is known of a chat: its client's session, or which link is missing. */
export type ChatLookup =
  | { status: "found"; record: ClientSession }
  | { status: "conversation-not-found" }
  | { status: "client-not-found" };

/** Which tier answered a lookup, as named in the `Server-Timing` header. */
export type CacheTier = "memory" | "kv" | "d1";

const KV_KEY_PREFIX = "lookup:v1:";

// The memory tier is keyed by canonical chat id: it never leaves the instance and is never logged.
const memory = new MemoryCache<ChatLookup>({
  maxEntries: 50_000,
  maxBytes: 16 * 1024 * 1024,
  sizeOf: jsonSize,
});

const inflight = new Map<string, Promise<unknown>>();

/** The KV key of a canonical chat id. */
export async function lookupCacheKey(chatId: string): Promise<string> {
  return KV_KEY_PREFIX + (await sha256Hex(chatId));
}

/** The answer this instance remembers for a chat, if it is still fresh. */
export function rememberedLookup(chatId: string): ChatLookup | undefined {
  return memory.get(chatId);
}

/** Remembers an answer in this instance for `ttlMs` (0: not at all). */
export function rememberLookup(chatId: string, lookup: ChatLookup, ttlMs: number): void {
  memory.set(chatId, lookup, ttlMs);
}

/**
 * Runs `load` once for all callers asking for the same `key` at the same time: misses for one
 * chat arriving together share one KV read and at most one D1 query.
 */
export function singleFlight<T>(key: string, load: () => Promise<T>): Promise<T> {
  const running = inflight.get(key) as Promise<T> | undefined;
  if (running !== undefined) return running;
  const started = load().finally(() => inflight.delete(key));
  inflight.set(key, started);
  return started;
}

function isClientSession(value: unknown): value is ClientSession {
  if (typeof value !== "object" || value === null) return false;
  const { id, session_id } = value as Record<string, unknown>;
  return typeof id === "string" && typeof session_id === "string";
}

/**
 * The KV entry under `key`, or `null` on a miss, a malformed entry, a KV failure, or a KV read
 * slower than `budgetMs`.
 */
export async function readCachedLookup(
  kv: KVNamespace,
  key: string,
  budgetMs: number,
  requestId: string,
): Promise<ClientSession | null> {
  try {
    const value: unknown = await withinBudget(kv.get(key, "json"), budgetMs);
    if (value === OVER_BUDGET) {
      logEvent("warn", "cache.read_timeout", { requestId, budgetMs });
      return null;
    }
    if (value === null) return null;
    if (isClientSession(value)) return { id: value.id, session_id: value.session_id };
    logEvent("warn", "cache.malformed_entry", { requestId });
    return null;
  } catch (error) {
    logEvent("warn", "cache.read_failed", { requestId, error: describeError(error) });
    return null;
  }
}

/** Stores a found answer under `key` for `ttlSeconds`; a failure is logged and dropped. */
export async function writeCachedLookup(
  kv: KVNamespace,
  key: string,
  record: ClientSession,
  ttlSeconds: number,
  requestId: string,
): Promise<void> {
  try {
    await kv.put(key, JSON.stringify(record), { expirationTtl: ttlSeconds });
  } catch (error) {
    logEvent("warn", "cache.write_failed", { requestId, error: describeError(error) });
  }
}

/** How many KV entries a write refreshes at once: KV calls beyond a few in flight only queue. */
const REFRESH_CONCURRENCY = 20;

async function refreshKvEntry(
  kv: KVNamespace,
  chatId: string,
  lookup: ChatLookup,
  ttlSeconds: number,
): Promise<void> {
  const key = await lookupCacheKey(chatId);
  if (lookup.status === "found") {
    await kv.put(key, JSON.stringify(lookup.record), { expirationTtl: ttlSeconds });
  } else {
    await kv.delete(key);
  }
}

/**
 * Brings both tiers in line with what a write just stored: a chat that now resolves is
 * rewritten with its new answer, any other chat is removed, so that the next lookup in this
 * instance, or through this location's KV, answers the new state.
 *
 * @returns how many KV entries could not be refreshed (each failure is logged).
 */
export async function refreshCachedChats(
  changes: readonly { chatId: string; lookup: ChatLookup }[],
  context: Pick<RequestContext, "env" | "config" | "requestId">,
): Promise<number> {
  for (const { chatId, lookup } of changes) {
    if (lookup.status === "found") rememberLookup(chatId, lookup, context.config.memoryCacheTtlMs);
    else memory.delete(chatId);
  }
  let failures = 0;
  for (let start = 0; start < changes.length; start += REFRESH_CONCURRENCY) {
    const batch = changes.slice(start, start + REFRESH_CONCURRENCY);
    const outcomes = await Promise.allSettled(
      batch.map(({ chatId, lookup }) =>
        refreshKvEntry(context.env.CACHE, chatId, lookup, context.config.cacheTtlSeconds),
      ),
    );
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") continue;
      failures++;
      logEvent("error", "cache.refresh_failed", {
        requestId: context.requestId,
        error: describeError(outcome.reason),
      });
    }
  }
  return failures;
}
