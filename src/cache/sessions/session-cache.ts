/**
 * The cache of session statuses (`include=session`): one object per Worker instance, whose whole
 * interface is a read ({@link SessionCache.get}) and a write ({@link SessionCache.commit}).
 *
 * A read is answered by the nearest tier that knows each session: this instance's memory, this
 * location's KV, then one D1 query for all that is left; concurrent misses of a session share
 * one load. What D1 answered goes to KV at the session's second miss here (the lookup's admission
 * rule). A fresh read (no-cache) reads D1 and refreshes memory only, never KV.
 *
 * A status write keeps every tier true to what it left, as the lookup's writes do:
 * 1. at once, this instance remembers the session's new state; loads already running for it will
 *    not store their older answer, and later loads here read D1 at least as new as the write;
 * 2. before the write answers (within its deadline), this location's KV entry is rewritten;
 * Its batches are framed as every write's: the triggers that record the status change as an event
 * name the token that wrote, and the event goes to the delivery queue once it commits.
 * 3. a moment later (the settle pass), the session is read again from the primary and memory and
 *    KV set to that: this repairs a KV write refused by KV's one-write-per-key-per-second limit
 *    (a session reports several statuses within a second as it starts) and writes that crossed.
 */

import { type Database, openFramedSession, openPrimarySession, openReadSession } from "../../db/client";
import { withTransientRetries } from "../../db/retry";
import type { EventOutbox } from "../../delivery/outbox";
import type { PendingEvent } from "../../delivery/outbox.repository";
import type { SessionState } from "../../domain/session";
import type { Clock } from "../../lib/clock";
import { beforeDeadline, OVER_BUDGET, withinBudget } from "../../lib/deadline";
import { describeError, logEvent } from "../../lib/log";
import type { RequestScope, WriteScope } from "../../lib/request-scope";
import { KvAdmission } from "../kv-admission";
import { KvTier } from "../kv-tier";
import { jsonSize, MemoryCache } from "../memory-cache";
import type { SessionCachePolicy } from "../policy";
import { SingleFlight } from "../single-flight";
import { SESSION_KV } from "./session-kv";
import { findSessionStates } from "./session-state.repository";
import { StatusWrites } from "./status-writes";

/** Which tier answered a read, as the lookup's `Server-Timing` names them. */
export type SessionTier = "memory" | "kv" | "d1";

const TIER_DEPTH: Record<SessionTier, number> = { memory: 0, kv: 1, d1: 2 };

/** How a read may be answered. */
export interface SessionReadOptions {
  /** Skip every cache tier and read D1 (`Cache-Control: no-cache`); memory is refreshed. */
  fresh: boolean;
  /** Read from a D1 replica at least as new as this bookmark. */
  bookmark: string | null;
}

/** What a read found. */
export interface SessionRead {
  /** The state of each session asked. */
  states: Map<string, SessionState>;
  /** The deepest tier the read needed. */
  tier: SessionTier;
  /** The D1 bookmark after the query, when D1 was read. */
  bookmark: string | null;
}

export interface SessionCacheOptions {
  db: D1Database;
  kv: KVNamespace;
  policy: SessionCachePolicy;
  clock: Clock;
  /** A running load older than this is not joined (`LOOKUP_TIMEOUT_MS`). */
  maxLoadMs: number;
  /** Names a write's actor in its batches, and sends its events to the queue once it commits. */
  outbox: EventOutbox;
}

interface Loaded {
  state: SessionState;
  tier: SessionTier;
  bookmark: string | null;
}

export class SessionCache {
  readonly #db: D1Database;
  readonly #policy: SessionCachePolicy;
  readonly #clock: Clock;
  readonly #maxLoadMs: number;
  readonly #outbox: EventOutbox;
  readonly #kv: KvTier<SessionState>;
  readonly #writes: StatusWrites;
  readonly #admission: KvAdmission;
  readonly #loads: SingleFlight<Loaded>;
  readonly #memory: MemoryCache<SessionState>;

  constructor(options: SessionCacheOptions) {
    const { policy, clock } = options;
    this.#db = options.db;
    this.#policy = policy;
    this.#clock = clock;
    this.#maxLoadMs = options.maxLoadMs;
    this.#outbox = options.outbox;
    this.#kv = new KvTier(options.kv, policy.kv, clock, SESSION_KV);
    this.#writes = new StatusWrites(policy.writeLog, clock);
    this.#admission = new KvAdmission(policy.kv.admission, clock);
    this.#loads = new SingleFlight(clock, options.maxLoadMs);
    this.#memory = new MemoryCache({ ...policy.memory, sizeOf: jsonSize, clock });
  }

  /**
   * The states of `sessionIds`, from the nearest tier that knows each.
   *
   * @throws {ApiError} 408 past the request's deadline.
   */
  async get(
    request: RequestScope,
    sessionIds: readonly string[],
    options: SessionReadOptions,
  ): Promise<SessionRead> {
    const unique = [...new Set(sessionIds)];
    if (options.fresh) return this.#readFresh(request, unique, options.bookmark);

    const states = new Map<string, SessionState>();
    const misses = unique.filter((sessionId) => {
      const remembered = this.#memory.get(sessionId);
      if (remembered !== undefined) states.set(sessionId, remembered);
      return remembered === undefined;
    });
    if (misses.length === 0) return { states, tier: "memory", bookmark: null };

    // The shared load ends by the deadline of the request that started it; each caller waits
    // for it under its own.
    const load = this.#loads.runMany(misses, (ids) =>
      beforeDeadline(this.#load(request, ids), request.deadline, this.#clock),
    );
    const loaded = await beforeDeadline(load, request.deadline, this.#clock);
    let tier: SessionTier = "memory";
    let bookmark: string | null = null;
    for (const [sessionId, value] of loaded) {
      states.set(sessionId, value.state);
      if (TIER_DEPTH[value.tier] > TIER_DEPTH[tier]) tier = value.tier;
      bookmark ??= value.bookmark;
    }
    return { states, tier, bookmark };
  }

  /**
   * Runs `write` (the status write of `sessionId`, answering the session's state after it) on
   * the primary, and keeps every tier true to that state (see the module comment), also when it
   * commits after the request's deadline. Retried on transient D1 errors: a status write is
   * idempotent.
   *
   * @throws {ApiError} 408 when the write has not answered by the request's deadline.
   */
  async commit<T extends SessionState>(
    request: WriteScope,
    sessionId: string,
    write: (db: Database) => Promise<T>,
  ): Promise<{ result: T; bookmark: string | null }> {
    let session = openPrimarySession(this.#db);
    const run = async () => {
      const pending: PendingEvent[] = [];
      const framed = openFramedSession(
        this.#db,
        this.#outbox.frame(request.actor, (events) => pending.push(...events)),
      );
      session = framed;
      return { result: await write(framed.db), pending };
    };
    const attempt = withTransientRetries(run, { ...request, clock: this.#clock });
    const committed = attempt.then(({ result, pending }) => {
      this.#outbox.sendAfterCommit(request, pending);
      const bookmark = session.bookmark();
      const sequence = this.#writes.record(sessionId, bookmark);
      const state: SessionState = { status: result.status, since: result.since };
      this.#loads.forget(sessionId);
      this.#memory.set(sessionId, state, this.#policy.memory.ttlMs);
      const changed = new Map([[sessionId, state]]);
      const kvRefresh = this.#kv.write(request, changed, {
        level: "error",
        event: "session_cache.refresh_failed",
      });
      request.waitUntil(kvRefresh.then(() => this.#settleLater(request, sessionId, sequence)));
      return { result, bookmark, kvRefresh };
    });
    request.waitUntil(committed.catch(() => undefined));

    const { result, bookmark, kvRefresh } = await beforeDeadline(committed, request.deadline, this.#clock);
    const left = Math.max(0, request.deadline - this.#clock.now());
    if ((await withinBudget(kvRefresh, left, this.#clock)) === OVER_BUDGET) {
      logEvent("warn", "session_cache.refresh_slow", { requestId: request.requestId });
    }
    return { result, bookmark };
  }

  /** KV, then D1 for what KV lacks; every answer stored unless a write came since. */
  async #load(request: RequestScope, sessionIds: string[]): Promise<Map<string, Loaded>> {
    const sequence = this.#writes.sequence;
    const loaded = new Map<string, Loaded>();
    const cached = await this.#kv.read(request, sessionIds);
    for (const [sessionId, state] of cached) {
      this.#remember(sessionId, state, sequence);
      loaded.set(sessionId, { state, tier: "kv", bookmark: null });
    }
    const rest = sessionIds.filter((sessionId) => !cached.has(sessionId));
    if (rest.length === 0) return loaded;

    const read = await this.#readD1(request, rest, this.#writes.bookmarkFor(rest));
    const toKv = new Map<string, SessionState>();
    for (const [sessionId, state] of read.states) {
      if (this.#remember(sessionId, state, sequence) && this.#admission.admit(sessionId)) {
        toKv.set(sessionId, state);
      }
      loaded.set(sessionId, { state, tier: "d1", bookmark: read.bookmark });
    }
    this.#storeInKv(request, toKv, sequence);
    return loaded;
  }

  /** D1 only (`Cache-Control: no-cache`); memory set to what it read, KV left as it is. */
  async #readFresh(
    request: RequestScope,
    sessionIds: string[],
    bookmark: string | null,
  ): Promise<SessionRead> {
    const sequence = this.#writes.sequence;
    const read = await beforeDeadline(
      this.#readD1(request, sessionIds, bookmark, this.#writes.bookmarkFor(sessionIds)),
      request.deadline,
      this.#clock,
    );
    for (const [sessionId, state] of read.states) this.#remember(sessionId, state, sequence);
    return { states: read.states, tier: "d1", bookmark: read.bookmark };
  }

  async #readD1(request: RequestScope, sessionIds: readonly string[], ...bookmarks: (string | null)[]) {
    const session = openReadSession(this.#db, ...bookmarks);
    const states = await withTransientRetries(() => findSessionStates(session.db, sessionIds), {
      ...request,
      clock: this.#clock,
    });
    return { states, bookmark: session.bookmark() };
  }

  /** Keeps what a load read in memory, unless a write to the session came after the load started. */
  #remember(sessionId: string, state: SessionState, sequence: number): boolean {
    if (this.#writes.writtenSince(sessionId, sequence)) return false;
    this.#memory.set(sessionId, state, this.#policy.memory.ttlMs);
    return true;
  }

  /** Writes what a load read to KV after the answer is sent, but not what a write changed since. */
  #storeInKv(request: RequestScope, states: Map<string, SessionState>, sequence: number): void {
    const current = [...states].filter(([sessionId]) => !this.#writes.writtenSince(sessionId, sequence));
    this.#kv.writeInBackground(request, current, this.#maxLoadMs);
  }

  async #settleLater(request: RequestScope, sessionId: string, sequence: number): Promise<void> {
    await this.#clock.sleep(this.#policy.settleDelayMs);
    try {
      const states = await findSessionStates(openPrimarySession(this.#db).db, [sessionId]);
      const state = states.get(sessionId);
      // A later write here has its own settle pass.
      if (state === undefined || !this.#remember(sessionId, state, sequence)) return;
      await this.#kv.write(request, new Map([[sessionId, state]]), {
        level: "error",
        event: "session_cache.refresh_failed",
      });
    } catch (error) {
      logEvent("error", "session_cache.settle_failed", {
        requestId: request.requestId,
        error: describeError(error),
      });
    }
  }
}
