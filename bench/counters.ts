/**
 * The counters bench/worker.ts keeps and serves at `/__bench/counters`: one definition for the
 * Worker that counts and the runner that reads them.
 */

/** Storage calls made on behalf of lookups answered by one tier. */
export interface TierCounts {
  /** Lookups whose answer named this tier. */
  lookups: number;
  /** D1 statements, token checks included. */
  d1Statements: number;
  /** Of those, statements on `api_tokens` (token checks). */
  tokenStatements: number;
  kvReads: number;
  kvWrites: number;
  kvDeletes: number;
}

/** The storage calls counted per tier. */
export type StorageKind = Exclude<keyof TierCounts, "lookups">;

export interface CounterState {
  /** When the counters were last reset (epoch ms). */
  since: number;
  /** Requests handed to the app. */
  requests: number;
  /** Of those, `/api/clients/view` lookups. */
  lookups: number;
  /** Lookups by response status (`"200"`, `"404"`, …); `"thrown"` when the app threw. */
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
  };
  kv: { reads: number; writes: number; deletes: number; lists: number };
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
