/**
 * Every TTL, bound, delay and rule of the caches, in one object: {@link cachePolicy} builds it
 * once per Worker instance (src/services.ts) and each cache takes its part. Defaults live here
 * and only here; three of them can be set per deployment (docs/configuration.md).
 *
 * Free of imports on purpose: the benchmark and the end-to-end suite read the defaults too.
 */

/** A bounded map of this instance's memory: how long an entry lives, how many and how large. */
export interface MemoryBounds {
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
}

/** A KV tier (src/cache/kv-tier.ts). */
export interface KvTierPolicy {
  ttlSeconds: number;
  /** A KV read slower than this is a miss: the answer comes from D1. */
  readBudgetMs: number;
  /** KV reads at most this many keys at once. */
  keysPerRead: number;
  /** KV writes in flight at once; beyond a few, they only queue. */
  writeConcurrency: number;
  /**
   * Which answers a read may put in KV (src/cache/kv-admission.ts): an id's answer after it
   * missed every tier here this many times within the window. Writes keep KV true whatever this
   * says; no read ever deletes a key, and a no-cache read writes none.
   */
  admission: { missesBeforeWrite: number; windowMs: number; maxEntries: number; maxBytes: number };
}

/** How long this instance remembers a write: longer than any load lasts. */
export interface WriteLogPolicy {
  rememberMs: number;
  maxEntries: number;
  maxBytes: number;
}

/** The caches of the lookup: memory, KV and the bookkeeping that keeps them true. */
export interface LookupCachePolicy {
  /** This instance's memory: every answer, found or not. */
  memory: MemoryBounds;
  /**
   * The memories of callers who must not learn what others asked (session-limited tokens), one
   * per set of sessions; an entry also ends at the next write to its chat.
   */
  partitions: MemoryBounds;
  kv: KvTierPolicy & {
    /** Whether "not found" answers are stored in KV: no, KV holds what exists. */
    storesNotFound: boolean;
  };
  /** How long this instance remembers a write to a chat. */
  writeLog: WriteLogPolicy;
  /**
   * How long after a write its chats are read again from the primary and the tiers set to that:
   * past KV's limit of one write per key per second.
   */
  settleDelayMs: number;
}

/** Tokens seen recently, by hash: a revoked token must stop working within 60 s. */
export type TokenCachePolicy = MemoryBounds;

/**
 * The caches of session statuses (`include=session`): memory and KV, kept true by the status
 * writes the way the lookup's are by theirs. Every answer is kept, `UNKNOWN` included: session ids
 * come from stored clients and status reports, never from what a caller makes up.
 */
export interface SessionCachePolicy {
  /** This instance's memory: as long as the lookup's, the same promise to other instances. */
  memory: MemoryBounds;
  /** As the lookup's: a session's state earns its KV write at its second miss here in the window. */
  kv: KvTierPolicy;
  /** How long this instance remembers a status write. */
  writeLog: WriteLogPolicy;
  /** How long after a write the session is read again from the primary and the tiers set to that. */
  settleDelayMs: number;
}

export interface CachePolicy {
  lookups: LookupCachePolicy;
  sessions: SessionCachePolicy;
  tokens: TokenCachePolicy;
}

/** What a deployment may set (`MEMORY_CACHE_TTL_MS`, `CACHE_TTL_SECONDS`, `CACHE_READ_TIMEOUT_MS`). */
export interface CachePolicyOverrides {
  memoryTtlMs?: number | undefined;
  kvTtlSeconds?: number | undefined;
  kvReadBudgetMs?: number | undefined;
  settleDelayMs?: number | undefined;
}

const MiB = 1024 * 1024;

/** The policy when nothing is set. */
export const DEFAULT_CACHE_POLICY: CachePolicy = {
  lookups: {
    memory: { ttlMs: 5000, maxEntries: 50_000, maxBytes: 16 * MiB },
    partitions: { ttlMs: 5000, maxEntries: 20_000, maxBytes: 8 * MiB },
    kv: {
      ttlSeconds: 300,
      readBudgetMs: 250,
      keysPerRead: 100,
      writeConcurrency: 20,
      storesNotFound: false,
      // bench/results/admission.md: the rule whose KV writes each buy the most hits.
      admission: { missesBeforeWrite: 2, windowMs: 60_000, maxEntries: 100_000, maxBytes: 16 * MiB },
    },
    // A load ends by its request's deadline, at most 60 s.
    writeLog: { rememberMs: 120_000, maxEntries: 100_000, maxBytes: 32 * MiB },
    settleDelayMs: 1500,
  },
  sessions: {
    memory: { ttlMs: 5000, maxEntries: 10_000, maxBytes: 2 * MiB },
    kv: {
      ttlSeconds: 300,
      readBudgetMs: 250,
      keysPerRead: 100,
      writeConcurrency: 20,
      admission: { missesBeforeWrite: 2, windowMs: 300_000, maxEntries: 10_000, maxBytes: 2 * MiB },
    },
    writeLog: { rememberMs: 120_000, maxEntries: 10_000, maxBytes: 2 * MiB },
    settleDelayMs: 1500,
  },
  tokens: { ttlMs: 30_000, maxEntries: 10_000, maxBytes: 4 * MiB },
};

/** The policy with a deployment's settings applied. */
export function cachePolicy(overrides: CachePolicyOverrides = {}): CachePolicy {
  const { lookups, sessions, tokens } = DEFAULT_CACHE_POLICY;
  const memoryTtlMs = overrides.memoryTtlMs ?? lookups.memory.ttlMs;
  return {
    lookups: {
      ...lookups,
      memory: { ...lookups.memory, ttlMs: memoryTtlMs },
      partitions: { ...lookups.partitions, ttlMs: memoryTtlMs },
      kv: {
        ...lookups.kv,
        ttlSeconds: overrides.kvTtlSeconds ?? lookups.kv.ttlSeconds,
        readBudgetMs: overrides.kvReadBudgetMs ?? lookups.kv.readBudgetMs,
      },
      settleDelayMs: overrides.settleDelayMs ?? lookups.settleDelayMs,
    },
    // The same settings as the lookup's: a status change reaches other instances and locations
    // within the same windows as a write.
    sessions: {
      ...sessions,
      memory: { ...sessions.memory, ttlMs: memoryTtlMs },
      kv: {
        ...sessions.kv,
        ttlSeconds: overrides.kvTtlSeconds ?? sessions.kv.ttlSeconds,
        readBudgetMs: overrides.kvReadBudgetMs ?? sessions.kv.readBudgetMs,
      },
      settleDelayMs: overrides.settleDelayMs ?? sessions.settleDelayMs,
    },
    tokens,
  };
}
