/**
 * The bench Worker's counters, and the attribution of each storage call to the lookup request it
 * was made for: each request runs in its own AsyncLocalStorage context (`nodejs_als`), which
 * follows its D1 and KV calls through `await`s, shared loads (the first caller's context runs
 * the load) and `waitUntil` work. Calls made before the answer are held per request until the
 * answer names its tier; calls after it (cache writes in `waitUntil`) go straight to that tier.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type CounterState, emptyTierCounts, type StorageKind, type TierCounts } from "../counters.ts";

function emptyCounters(): CounterState {
  return {
    since: Date.now(),
    requests: 0,
    lookups: 0,
    batches: 0,
    batchItems: 0,
    lookupStatus: {},
    d1: {
      statements: 0,
      tokenStatements: 0,
      batches: 0,
      execs: 0,
      sessions: 0,
      rowsRead: 0,
      rowsWritten: 0,
      raw: { statements: 0, sampled: 0, rowsRead: 0, unmeasuredWrites: 0 },
    },
    kv: { reads: 0, keysRead: 0, writes: 0, deletes: 0, lists: 0 },
    byTier: {},
  };
}

let counters = emptyCounters();

/** The counters now; a reset replaces the object, so hold on to it only for one request. */
export function currentCounters(): CounterState {
  return counters;
}

/** Zeroes every counter; answers the new ones. */
export function resetCounters(): CounterState {
  counters = emptyCounters();
  return counters;
}

function tierCounts(tier: string): TierCounts {
  let counts = counters.byTier[tier];
  if (counts === undefined) {
    counts = emptyTierCounts();
    counters.byTier[tier] = counts;
  }
  return counts;
}

/** One lookup request's storage calls, until its answer says which tier served it. */
export interface LookupTrace {
  /** `null` until the answer is in. */
  tier: string | null;
  held: Record<StorageKind, number>;
}

const traces = new AsyncLocalStorage<LookupTrace>();

/** A new trace, for one lookup request. */
export function newTrace(): LookupTrace {
  return {
    tier: null,
    held: { d1Statements: 0, tokenStatements: 0, kvReads: 0, kvKeysRead: 0, kvWrites: 0, kvDeletes: 0 },
  };
}

/** Runs `work` (the app's handling of one lookup request) with its storage calls traced. */
export function traced<T>(trace: LookupTrace, work: () => T): T {
  return traces.run(trace, work);
}

/** Attributes `amount` of one kind of storage call to the request it was made for (or to `outside`). */
export function attribute(kind: StorageKind, amount = 1): void {
  const trace = traces.getStore();
  if (trace === undefined) tierCounts("outside")[kind] += amount;
  else if (trace.tier === null) trace.held[kind] += amount;
  else tierCounts(trace.tier)[kind] += amount;
}

/** The answer named its tier: the request and its lookups count there, with the calls so far. */
export function settle(trace: LookupTrace, tier: string, lookups: number): void {
  trace.tier = tier;
  const counts = tierCounts(tier);
  counts.requests += 1;
  counts.lookups += lookups;
  for (const kind of Object.keys(trace.held) as StorageKind[]) {
    counts[kind] += trace.held[kind];
    trace.held[kind] = 0;
  }
}
