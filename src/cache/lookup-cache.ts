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
 * logged, never a failed lookup. Writes refresh both tiers for every chat they affect, and an
 * answer loaded before a write is never stored after it (see {@link storeLoadedLookup}).
 */
import type { ChatLookup, ClientSession } from "../clients/chat-lookup";
import { OVER_BUDGET, withinBudget } from "../lib/deadline";
import { describeError, logEvent } from "../lib/log";
import { sha256Hex } from "../lib/sha256";
import type { RequestContext } from "../request-context";
import { jsonSize, MemoryCache } from "./memory-cache";
import { SingleFlight } from "./single-flight";

/** Which tier answered a lookup, as named in the `Server-Timing` header. */
export type CacheTier = "memory" | "kv" | "d1";

type CacheContext = Pick<RequestContext, "env" | "config" | "requestId" | "waitUntil">;

const KV_KEY_PREFIX = "lookup:v1:";

// Keyed by canonical chat id: this tier never leaves the instance and is never logged.
const memory = new MemoryCache<ChatLookup>({
  maxEntries: 50_000,
  maxBytes: 16 * 1024 * 1024,
  sizeOf: jsonSize,
});

const loads = new SingleFlight<unknown>();

/**
 * Writes seen by this instance: a sequence number per chat. A load remembers the sequence it
 * started at and stores its answer only if no write to that chat came since, so a lookup that
 * read D1 just before a write can never put the old answer back. Kept longer than any load lasts.
 */
let writeSequence = 0;
const lastWrite = new MemoryCache<number>({
  maxEntries: 50_000,
  maxBytes: 8 * 1024 * 1024,
  sizeOf: () => 16,
});
const WRITE_MEMORY_MS = 120_000;

function writtenSince(chatId: string, sequence: number): boolean {
  return (lastWrite.get(chatId) ?? 0) > sequence;
}

/** The KV key of a canonical chat id. */
export async function lookupCacheKey(chatId: string): Promise<string> {
  return KV_KEY_PREFIX + (await sha256Hex(chatId));
}

/** The answer this instance remembers for a chat, if it is still fresh. */
export function rememberedLookup(chatId: string): ChatLookup | undefined {
  return memory.get(chatId);
}

/**
 * Runs `load` once for all callers missing the same chat at the same time. `load` receives the
 * write sequence it started at, to hand to {@link storeLoadedLookup}.
 */
export function loadOnce<T>(chatId: string, load: (sequence: number) => Promise<T>): Promise<T> {
  const sequence = writeSequence;
  return loads.run(chatId, () => load(sequence)) as Promise<T>;
}

/** The sequence a load that does not go through {@link loadOnce} starts at. */
export function currentWriteSequence(): number {
  return writeSequence;
}

function isClientSession(value: unknown): value is ClientSession {
  if (typeof value !== "object" || value === null) return false;
  const { id, session_id } = value as Record<string, unknown>;
  return typeof id === "string" && typeof session_id === "string";
}

/**
 * The KV entry under `key`, or `null` on a miss, a malformed entry, a KV failure, or a KV read
 * slower than `CACHE_READ_TIMEOUT_MS`.
 */
export async function readCachedLookup(context: CacheContext, key: string): Promise<ClientSession | null> {
  const { env, config, requestId } = context;
  try {
    const value: unknown = await withinBudget(env.CACHE.get(key, "json"), config.cacheReadBudgetMs);
    if (value === OVER_BUDGET) {
      logEvent("warn", "cache.read_timeout", { requestId, budgetMs: config.cacheReadBudgetMs });
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

/** Makes the KV entry of a chat say `lookup`: its record when found, no entry otherwise. */
async function setKvEntry(context: CacheContext, key: string, lookup: ChatLookup): Promise<void> {
  if (lookup.status === "found") {
    await context.env.CACHE.put(key, JSON.stringify(lookup.record), {
      expirationTtl: context.config.cacheTtlSeconds,
    });
  } else {
    await context.env.CACHE.delete(key);
  }
}

function sameLookup(a: ChatLookup | undefined, b: ChatLookup): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Stores what a load read, unless a write to the chat came after the load started.
 *
 * @param source - `kv`: memory only. `d1`: memory, and KV for a found answer.
 *   `d1-fresh` (a `Cache-Control: no-cache` read): memory, and KV made to match, found or not,
 *   but not rewritten when this instance already knew the same answer (KV allows one write per
 *   key per second).
 */
export async function storeLoadedLookup(
  context: CacheContext,
  chatId: string,
  lookup: ChatLookup,
  sequence: number,
  source: "kv" | "d1" | "d1-fresh",
  kvKey?: string,
): Promise<void> {
  if (writtenSince(chatId, sequence)) return;
  const known = memory.get(chatId);
  memory.set(chatId, lookup, context.config.memoryCacheTtlMs);
  if (source === "kv") return;
  if (source === "d1" && lookup.status !== "found") return;
  if (source === "d1-fresh" && sameLookup(known, lookup)) return;
  const key = kvKey ?? (await lookupCacheKey(chatId));
  context.waitUntil(
    (async () => {
      if (writtenSince(chatId, sequence)) return;
      try {
        // Nobody waits for this write, but a hanging KV must still show in the logs.
        const budgetMs = context.config.lookupTimeoutMs;
        if ((await withinBudget(setKvEntry(context, key, lookup), budgetMs)) === OVER_BUDGET) {
          logEvent("warn", "cache.write_timeout", { requestId: context.requestId, budgetMs });
        }
      } catch (error) {
        logEvent("warn", "cache.write_failed", { requestId: context.requestId, error: describeError(error) });
      }
    })(),
  );
}

/** How many KV entries a write refreshes at once: KV calls beyond a few in flight only queue. */
const REFRESH_CONCURRENCY = 20;

/**
 * Brings both tiers in line with what a write just stored: each affected chat's answer is
 * remembered in this instance at once (so this instance answers the new state, found or not),
 * loads already running for it will not store their older answer, and its KV entry is rewritten
 * or removed for this location.
 *
 * Waits for KV until the request's deadline at most: the write is already stored, so a slow or
 * failing KV is logged and finished in the background (`waitUntil`), never a failed write.
 */
export async function refreshCachedChats(
  changes: readonly { chatId: string; lookup: ChatLookup }[],
  context: CacheContext & Pick<RequestContext, "deadline">,
): Promise<void> {
  const sequence = ++writeSequence;
  for (const { chatId, lookup } of changes) {
    lastWrite.set(chatId, sequence, WRITE_MEMORY_MS);
    loads.forget(chatId);
    memory.set(chatId, lookup, context.config.memoryCacheTtlMs);
  }
  const kvRefresh = refreshKvEntries(changes, context);
  context.waitUntil(kvRefresh);
  const outcome = await withinBudget(kvRefresh, Math.max(0, context.deadline - Date.now()));
  if (outcome === OVER_BUDGET) {
    logEvent("warn", "cache.refresh_slow", { requestId: context.requestId, chats: changes.length });
  }
}

async function refreshKvEntries(
  changes: readonly { chatId: string; lookup: ChatLookup }[],
  context: CacheContext,
): Promise<void> {
  for (let start = 0; start < changes.length; start += REFRESH_CONCURRENCY) {
    const batch = changes.slice(start, start + REFRESH_CONCURRENCY);
    const outcomes = await Promise.allSettled(
      batch.map(async ({ chatId, lookup }) => setKvEntry(context, await lookupCacheKey(chatId), lookup)),
    );
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        logEvent("error", "cache.refresh_failed", {
          requestId: context.requestId,
          error: describeError(outcome.reason),
        });
      }
    }
  }
}
