/**
 * A KV tier: values per location, for the policy's TTL, under keys that carry no id a caller
 * gave (a SHA-256 of it behind a prefix that names the kind and version of what is stored, so
 * a change of the stored shape never reads old entries). The lookup's cache and the sessions'
 * each have one, with a shape of their own.
 *
 * KV is an optimisation only: a failing or slow read is a miss and a failing write is dropped,
 * both logged, never a failed request.
 */

import type { Clock } from "../lib/clock";
import { OVER_BUDGET, withinBudget } from "../lib/deadline";
import { describeError, logEvent } from "../lib/log";
import type { RequestScope } from "../lib/request-scope";
import { sha256Hex } from "../lib/sha256";
import type { KvTierPolicy } from "./policy";

/** What one tier stores: under which keys, and how an entry read back is checked. */
export interface KvShape<T> {
  /** Before each key's hash, such as `lookup:v1:`; a new version when `T` changes. */
  keyPrefix: string;
  /** The first part of the events it logs: `cache` logs `cache.read_failed`. */
  logPrefix: string;
  /** The value of an entry read back, or `undefined` when it is malformed (logged, a miss). */
  parse(value: unknown): T | undefined;
}

/** The KV key of `id` in a tier of this shape. */
export async function kvKey(shape: KvShape<unknown>, id: string): Promise<string> {
  return shape.keyPrefix + (await sha256Hex(id));
}

export class KvTier<T> {
  readonly #kv: KVNamespace;
  readonly #policy: KvTierPolicy;
  readonly #clock: Clock;
  readonly #shape: KvShape<T>;

  constructor(kv: KVNamespace, policy: KvTierPolicy, clock: Clock, shape: KvShape<T>) {
    this.#kv = kv;
    this.#policy = policy;
    this.#clock = clock;
    this.#shape = shape;
  }

  /**
   * The values KV holds for `ids`, in one read (a bulk read for several ids). A miss, a
   * malformed entry, a failure, or a read slower than the policy's budget leaves an id out.
   */
  async read(request: RequestScope, ids: readonly string[]): Promise<Map<string, T>> {
    const { logPrefix } = this.#shape;
    const keys = await Promise.all(ids.map((id) => kvKey(this.#shape, id)));
    const found = new Map<string, T>();
    try {
      const values = await withinBudget(this.#get(keys), this.#policy.readBudgetMs, this.#clock);
      if (values === OVER_BUDGET) {
        logEvent("warn", `${logPrefix}.read_timeout`, {
          requestId: request.requestId,
          budgetMs: this.#policy.readBudgetMs,
        });
        return found;
      }
      ids.forEach((id, index) => {
        const value = values[index];
        if (value === null || value === undefined) return;
        const parsed = this.#shape.parse(value);
        if (parsed !== undefined) found.set(id, parsed);
        else logEvent("warn", `${logPrefix}.malformed_entry`, { requestId: request.requestId });
      });
    } catch (error) {
      logEvent("warn", `${logPrefix}.read_failed`, {
        requestId: request.requestId,
        error: describeError(error),
      });
    }
    return found;
  }

  async #get(keys: readonly string[]): Promise<unknown[]> {
    if (keys.length === 1) return [await this.#kv.get(keys[0] as string, "json")];
    const chunks: string[][] = [];
    const perRead = this.#policy.keysPerRead;
    for (let start = 0; start < keys.length; start += perRead)
      chunks.push(keys.slice(start, start + perRead));
    const maps = await Promise.all(chunks.map((chunk) => this.#kv.get(chunk, "json")));
    return keys.map((key, index) => maps[Math.floor(index / perRead)]?.get(key));
  }

  /**
   * Makes each id's entry hold its value (`undefined`: no entry), a few at a time; a failure is
   * logged as `failure` and the others go on.
   */
  async write(
    request: RequestScope,
    entries: Iterable<readonly [string, T | undefined]>,
    failure: { level: "warn" | "error"; event: string },
  ): Promise<void> {
    const all = [...entries];
    const concurrency = this.#policy.writeConcurrency;
    for (let start = 0; start < all.length; start += concurrency) {
      const outcomes = await Promise.allSettled(
        all.slice(start, start + concurrency).map(([id, value]) => this.#set(id, value)),
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

  /**
   * Writes `entries` after the answer is sent (`waitUntil`): nobody waits for it; a failure is
   * logged as `<logPrefix>.write_failed`, and a write still running after `budgetMs` as
   * `<logPrefix>.write_timeout`.
   */
  writeInBackground(
    request: RequestScope,
    entries: readonly (readonly [string, T | undefined])[],
    budgetMs: number,
  ): void {
    if (entries.length === 0) return;
    const { logPrefix } = this.#shape;
    request.waitUntil(
      (async () => {
        const stored = this.write(request, entries, { level: "warn", event: `${logPrefix}.write_failed` });
        if ((await withinBudget(stored, budgetMs, this.#clock)) === OVER_BUDGET) {
          logEvent("warn", `${logPrefix}.write_timeout`, { requestId: request.requestId, budgetMs });
        }
      })(),
    );
  }

  async #set(id: string, value: T | undefined): Promise<void> {
    const key = await kvKey(this.#shape, id);
    if (value === undefined) await this.#kv.delete(key);
    else await this.#kv.put(key, JSON.stringify(value), { expirationTtl: this.#policy.ttlSeconds });
  }
}
