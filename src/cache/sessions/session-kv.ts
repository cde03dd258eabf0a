/**
 * The KV tier of session statuses: every session's state, `UNKNOWN` included, per location, for
 * the policy's TTL, under a key that carries no session id (a session may be named after its
 * phone number): a SHA-256 behind a version prefix.
 *
 * KV is an optimisation only: a failing or slow read is a miss and a failing write is dropped,
 * both logged, never a failed request.
 */

import { SESSION_STATUSES } from "../../db/schema";
import type { SessionState } from "../../domain/session";
import type { Clock } from "../../lib/clock";
import { OVER_BUDGET, withinBudget } from "../../lib/deadline";
import { describeError, logEvent } from "../../lib/log";
import type { RequestScope } from "../../lib/request-scope";
import { sha256Hex } from "../../lib/sha256";
import type { SessionCachePolicy } from "../policy";

const KEY_PREFIX = "session:v1:";

/** The KV key of a session id. */
export async function sessionCacheKey(sessionId: string): Promise<string> {
  return KEY_PREFIX + (await sha256Hex(sessionId));
}

const STATUSES = new Set<string>([...SESSION_STATUSES, "UNKNOWN"]);

function isSessionState(value: unknown): value is SessionState {
  if (typeof value !== "object" || value === null) return false;
  const { status, since } = value as Record<string, unknown>;
  if (typeof status !== "string" || !STATUSES.has(status)) return false;
  return status === "UNKNOWN" ? since === null : typeof since === "number" && Number.isFinite(since);
}

export class SessionKv {
  readonly #kv: KVNamespace;
  readonly #policy: SessionCachePolicy["kv"];
  readonly #clock: Clock;

  constructor(kv: KVNamespace, policy: SessionCachePolicy["kv"], clock: Clock) {
    this.#kv = kv;
    this.#policy = policy;
    this.#clock = clock;
  }

  /**
   * The states KV holds for `sessionIds`, in one read (a bulk read for several). A miss, a
   * malformed entry, a failure, or a read slower than the policy's budget leaves an id out.
   */
  async read(request: RequestScope, sessionIds: readonly string[]): Promise<Map<string, SessionState>> {
    const keys = await Promise.all(sessionIds.map(sessionCacheKey));
    const states = new Map<string, SessionState>();
    try {
      const values = await withinBudget(this.#get(keys), this.#policy.readBudgetMs, this.#clock);
      if (values === OVER_BUDGET) {
        logEvent("warn", "session_cache.read_timeout", {
          requestId: request.requestId,
          budgetMs: this.#policy.readBudgetMs,
        });
        return states;
      }
      sessionIds.forEach((sessionId, index) => {
        const value = values[index];
        if (value === null || value === undefined) return;
        if (isSessionState(value)) states.set(sessionId, { status: value.status, since: value.since });
        else logEvent("warn", "session_cache.malformed_entry", { requestId: request.requestId });
      });
    } catch (error) {
      logEvent("warn", "session_cache.read_failed", {
        requestId: request.requestId,
        error: describeError(error),
      });
    }
    return states;
  }

  async #get(keys: readonly string[]): Promise<unknown[]> {
    if (keys.length === 1) return [await this.#kv.get(keys[0] as string, "json")];
    const perRead = this.#policy.keysPerRead;
    const chunks: string[][] = [];
    for (let start = 0; start < keys.length; start += perRead)
      chunks.push(keys.slice(start, start + perRead));
    const maps = await Promise.all(chunks.map((chunk) => this.#kv.get(chunk, "json")));
    return keys.map((key, index) => maps[Math.floor(index / perRead)]?.get(key));
  }

  /**
   * Makes the entries of `states` say them, a few at a time; a failure is logged as `failure`
   * and the others go on.
   */
  async write(
    request: RequestScope,
    states: ReadonlyMap<string, SessionState>,
    failure: { level: "warn" | "error"; event: string },
  ): Promise<void> {
    const entries = [...states];
    const concurrency = this.#policy.writeConcurrency;
    for (let start = 0; start < entries.length; start += concurrency) {
      const outcomes = await Promise.allSettled(
        entries.slice(start, start + concurrency).map(([sessionId, state]) => this.#set(sessionId, state)),
      );
      for (const outcome of outcomes) {
        if (outcome.status === "rejected") {
          logEvent(failure.level, failure.event, {
            requestId: request.requestId,
            error: describeError(outcome.reason),
          });
        }
      }
    }
  }

  async #set(sessionId: string, state: SessionState): Promise<void> {
    const value = JSON.stringify({ status: state.status, since: state.since });
    await this.#kv.put(await sessionCacheKey(sessionId), value, { expirationTtl: this.#policy.ttlSeconds });
  }
}
