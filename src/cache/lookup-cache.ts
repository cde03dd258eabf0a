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
import { beforeDeadline, OVER_BUDGET, withinBudget } from "../lib/deadline";
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
 * Writes seen by this instance, per chat: a sequence number and the D1 bookmark after the write.
 * A load remembers the sequence it started at and stores its answer only if no write to that
 * chat came since, so a lookup that read D1 just before a write can never put the old answer
 * back; and a load after a write reads D1 at least as new as that write, even from a replica.
 * Kept longer than any load lasts.
 */
let writeSequence = 0;
const lastWrite = new MemoryCache<{ sequence: number; bookmark: string | null }>({
  maxEntries: 100_000,
  maxBytes: 32 * 1024 * 1024,
  sizeOf: jsonSize,
});
const WRITE_MEMORY_MS = 120_000;

function writtenSince(chatId: string, sequence: number): boolean {
  return (lastWrite.get(chatId)?.sequence ?? 0) > sequence;
}

/** The bookmark of the last write to this chat seen here, for reading at least that new. */
export function lastWriteBookmark(chatId: string): string | null {
  return lastWrite.get(chatId)?.bookmark ?? null;
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
export function loadOnce<T>(
  chatId: string,
  context: Pick<RequestContext, "config" | "deadline">,
  load: (sequence: number) => Promise<T>,
): Promise<T> {
  const sequence = writeSequence;
  // Bounded by the deadline of the request that starts it, so the shared load always ends.
  const bounded = () => beforeDeadline(load(sequence), context.deadline);
  return loads.run(chatId, bounded, context.config.lookupTimeoutMs) as Promise<T>;
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
 * When a write settles its chats again from the primary: after KV's one-write-per-key-per-second
 * limit, and after lookups other instances started before the write have stored what they read.
 */
const SETTLE_DELAY_MS = 1500;

/** What a write changed: each affected chat and what its lookup answers now. */
export type ChatChanges = readonly { chatId: string; lookup: ChatLookup }[];

/** Reads, from the primary, what the lookups of some chats answer now. */
export type CurrentAnswers = (chatIds: readonly string[]) => Promise<Map<string, ChatLookup>>;

/**
 * Runs a write and keeps the caches true to it, whenever it commits:
 *
 * 1. at once, this instance remembers each affected chat's new answer (found or not), loads
 *    already running for those chats will not store their older answer, and later loads here
 *    read D1 at least as new as the write (its bookmark);
 * 2. before answering (within the request's deadline), this location's KV entries are rewritten
 *    or removed; a slow or failing KV is logged, never a failed write;
 * 3. 1.5 s later, in the background, the chats are read again from the primary and KV and
 *    memory set to that: this repairs a KV write refused by KV's per-key rate, an older answer
 *    another instance stored meanwhile, and two writes whose replies arrived out of order.
 *
 * Steps 1-3 also run when the write commits after the caller's deadline (the caller got 408).
 *
 * @param write - The D1 write; resolves with what it changed and the bookmark after it.
 * @param currentAnswers - Reads chats' answers from the primary, for step 3.
 */
export async function writeAndRefresh<T>(
  context: CacheContext & Pick<RequestContext, "deadline">,
  write: Promise<{ result: T; changes: ChatChanges; bookmark: string | null }>,
  currentAnswers: CurrentAnswers,
): Promise<{ result: T; bookmark: string | null }> {
  const committed = write.then(({ result, changes, bookmark }) => {
    const sequence = rememberWrite(changes, bookmark, context);
    const kvRefresh = refreshKvEntries(changes, context);
    context.waitUntil(kvRefresh.then(() => settleLater(changes, sequence, context, currentAnswers)));
    return { result, bookmark, kvRefresh, chats: changes.length };
  });
  context.waitUntil(committed.catch(() => undefined));
  const { result, bookmark, kvRefresh, chats } = await beforeDeadline(committed, context.deadline);
  if ((await withinBudget(kvRefresh, Math.max(0, context.deadline - Date.now()))) === OVER_BUDGET) {
    logEvent("warn", "cache.refresh_slow", { requestId: context.requestId, chats });
  }
  return { result, bookmark };
}

function rememberWrite(changes: ChatChanges, bookmark: string | null, context: CacheContext): number {
  const sequence = ++writeSequence;
  for (const { chatId, lookup } of changes) {
    lastWrite.set(chatId, { sequence, bookmark }, WRITE_MEMORY_MS);
    loads.forget(chatId);
    memory.set(chatId, lookup, context.config.memoryCacheTtlMs);
  }
  return sequence;
}

async function refreshKvEntries(changes: ChatChanges, context: CacheContext): Promise<void> {
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

async function settleLater(
  changes: ChatChanges,
  sequence: number,
  context: CacheContext,
  currentAnswers: CurrentAnswers,
): Promise<void> {
  if (changes.length === 0) return;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_DELAY_MS));
  try {
    const answers = await currentAnswers(changes.map((change) => change.chatId));
    const settled = changes.flatMap(({ chatId }) => {
      // A later write here has its own settle pass.
      if (writtenSince(chatId, sequence)) return [];
      const lookup = answers.get(chatId) ?? { status: "conversation-not-found" as const };
      memory.set(chatId, lookup, context.config.memoryCacheTtlMs);
      return [{ chatId, lookup }];
    });
    await refreshKvEntries(settled, context);
  } catch (error) {
    logEvent("error", "cache.settle_failed", { requestId: context.requestId, error: describeError(error) });
  }
}
