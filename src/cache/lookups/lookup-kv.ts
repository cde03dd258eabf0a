/**
 * The KV tier of the lookup: found answers only, per location, for the policy's TTL, under a
 * key that carries no phone number (a SHA-256 of the canonical chat id behind a version prefix,
 * so a change of the cached shape never reads old entries).
 *
 * KV is an optimisation only: a failing or slow read is a miss and a failing write is dropped,
 * both logged, never a failed lookup.
 */

import type { ChatChange, ChatLookup, ClientSession } from "../../domain/chat-lookup";
import type { Clock } from "../../lib/clock";
import { OVER_BUDGET, withinBudget } from "../../lib/deadline";
import { describeError, logEvent } from "../../lib/log";
import type { RequestScope } from "../../lib/request-scope";
import { sha256Hex } from "../../lib/sha256";
import type { LookupCachePolicy } from "../policy";

const KEY_PREFIX = "lookup:v1:";

/** The KV key of a canonical chat id. */
export async function lookupCacheKey(chatId: string): Promise<string> {
  return KEY_PREFIX + (await sha256Hex(chatId));
}

function isClientSession(value: unknown): value is ClientSession {
  if (typeof value !== "object" || value === null) return false;
  const { id, session_id } = value as Record<string, unknown>;
  return typeof id === "string" && typeof session_id === "string";
}

export class LookupKv {
  readonly #kv: KVNamespace;
  readonly #policy: LookupCachePolicy["kv"];
  readonly #clock: Clock;

  constructor(kv: KVNamespace, policy: LookupCachePolicy["kv"], clock: Clock) {
    this.#kv = kv;
    this.#policy = policy;
    this.#clock = clock;
  }

  /**
   * The records KV holds for `chatIds`, in one read (a bulk read for several ids). A miss, a
   * malformed entry, a failure, or a read slower than the policy's budget leaves an id out.
   */
  async read(request: RequestScope, chatIds: readonly string[]): Promise<Map<string, ClientSession>> {
    const keys = await Promise.all(chatIds.map(lookupCacheKey));
    const records = new Map<string, ClientSession>();
    try {
      const values = await withinBudget(this.#get(keys), this.#policy.readBudgetMs, this.#clock);
      if (values === OVER_BUDGET) {
        logEvent("warn", "cache.read_timeout", {
          requestId: request.requestId,
          budgetMs: this.#policy.readBudgetMs,
        });
        return records;
      }
      chatIds.forEach((chatId, index) => {
        const value = values[index];
        if (value === null || value === undefined) return;
        if (isClientSession(value)) records.set(chatId, { id: value.id, session_id: value.session_id });
        else logEvent("warn", "cache.malformed_entry", { requestId: request.requestId });
      });
    } catch (error) {
      logEvent("warn", "cache.read_failed", { requestId: request.requestId, error: describeError(error) });
    }
    return records;
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
   * Makes the entries of `changes` say their lookup (a record when found, no entry otherwise),
   * a few at a time; a failure is logged as `failure` and the others go on.
   */
  async write(
    request: RequestScope,
    changes: readonly ChatChange[],
    failure: { level: "warn" | "error"; event: string },
  ): Promise<void> {
    const concurrency = this.#policy.writeConcurrency;
    for (let start = 0; start < changes.length; start += concurrency) {
      const outcomes = await Promise.allSettled(
        changes.slice(start, start + concurrency).map(({ chatId, lookup }) => this.#set(chatId, lookup)),
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

  async #set(chatId: string, lookup: ChatLookup): Promise<void> {
    const key = await lookupCacheKey(chatId);
    if (lookup.status === "found") {
      await this.#kv.put(key, JSON.stringify(lookup.record), { expirationTtl: this.#policy.ttlSeconds });
    } else {
      await this.#kv.delete(key);
    }
  }
}
