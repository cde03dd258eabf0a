/**
 * The counters bench/worker.ts keeps and serves at `/__bench/counters`: one definition for the
 * Worker that counts and the runner that reads them.
 */

/** Storage calls made on behalf of the lookup requests answered by one tier. */
export interface TierCounts {
  /** Lookup requests whose answer named this tier: single lookups and batches. */
  requests: number;
  /** Lookups among them: one per single lookup, one per item of a batch. */
  lookups: number;
  /** D1 statements, token checks included. */
  d1Statements: number;
  /** Of those, statements on `api_tokens` (token checks). */
  tokenStatements: number;
  /** KV read calls (a bulk read of many keys is one). */
  kvReads: number;
  /** Keys those calls read (what KV bills). */
  kvKeysRead: number;
  kvWrites: number;
  kvDeletes: number;
}

/** Counts of a tier that answered nothing yet. */
export function emptyTierCounts(): TierCounts {
  return {
    requests: 0,
    lookups: 0,
    d1Statements: 0,
    tokenStatements: 0,
    kvReads: 0,
    kvKeysRead: 0,
    kvWrites: 0,
    kvDeletes: 0,
  };
}

/** The storage calls counted per tier. */
export type StorageKind = Exclude<keyof TierCounts, "requests" | "lookups">;

/** D1 rows read by `.raw()` statements, whose results carry no `meta`: estimated from samples. */
export interface RawRowsEstimate {
  /** `.raw()` statements executed. */
  statements: number;
  /** How many of them were run again with `.all()` once the counters were read, for their `meta`. */
  sampled: number;
  /** Rows read by the samples, per statement, scaled up to every `.raw()` statement of the same SQL. */
  rowsRead: number;
  /** `.raw()` statements that write (never run again): their rows are not counted. */
  unmeasuredWrites: number;
}

export interface CounterState {
  /** When the counters were last reset (epoch ms). */
  since: number;
  /** Requests handed to the app. */
  requests: number;
  /** Lookups: single lookups (`/api/clients/view`) plus the items of batches. */
  lookups: number;
  /** Batch requests (`/api/clients/view/batch`). */
  batches: number;
  /** The items of those batches (counted in `lookups` too). */
  batchItems: number;
  /** Lookup and batch requests by response status (`"200"`, `"404"`, …); `"thrown"` when the app threw. */
  lookupStatus: Record<string, number>;
  d1: {
    /** Statements executed: single ones plus every statement of a batch. */
    statements: number;
    /** Of those, the token checks (statements on `api_tokens`). */
    tokenStatements: number;
    batches: number;
    /** `exec()` calls (each may hold several statements; none expected). */
    execs: number;
    /** `withSession()` calls. */
    sessions: number;
    /** Rows read, from the `meta.rows_read` of the statements that return one. */
    rowsRead: number;
    /** Rows written, from `meta.rows_written` likewise. */
    rowsWritten: number;
    raw: RawRowsEstimate;
  };
  kv: { reads: number; keysRead: number; writes: number; deletes: number; lists: number };
  /**
   * By the tier named in the answer's `Server-Timing` (`memory`, `kv`, `d1`, `none` when the
   * answer names none), and `outside`: storage calls made outside any lookup.
   */
  byTier: Record<string, TierCounts>;
}

/** What `GET /__bench/counters` answers: the counts, and how the Worker was set up. */
export interface Counters extends CounterState {
  rttMs: { d1: number; kv: number };
  /** Whether the app was handed its RATE_LIMITER binding. */
  rateLimiter: boolean;
}
