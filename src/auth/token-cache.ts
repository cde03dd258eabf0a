/**
 * Tokens seen recently, per Worker instance, by hash (`null`: no such token). A revoked token
 * must stop working within 60 s, so an entry lives half that (src/cache/policy.ts): a hot token
 * costs no storage round trip, and when its entry expires, concurrent requests share one query.
 */
import { jsonSize, MemoryCache } from "../cache/memory-cache";
import type { TokenCachePolicy } from "../cache/policy";
import { SingleFlight } from "../cache/single-flight";
import { openReadSession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import type { Clock } from "../lib/clock";
import { beforeDeadline } from "../lib/deadline";
import type { RequestScope } from "../lib/request-scope";
import { type AuthenticatedToken, findTokenByHash } from "./token.repository";

export interface TokenCacheOptions {
  db: D1Database;
  clock: Clock;
  policy: TokenCachePolicy;
  /** A running token check older than this is not joined (`LOOKUP_TIMEOUT_MS`). */
  maxLoadMs: number;
}

export class TokenCache {
  readonly #db: D1Database;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #memory: MemoryCache<AuthenticatedToken | null>;
  readonly #loads: SingleFlight<AuthenticatedToken | null>;

  constructor(options: TokenCacheOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#ttlMs = options.policy.ttlMs;
    this.#memory = new MemoryCache({ ...options.policy, sizeOf: jsonSize, clock: options.clock });
    this.#loads = new SingleFlight(options.clock, options.maxLoadMs);
  }

  /**
   * The token stored under `tokenHash`, or `null` when there is none.
   *
   * @throws {ApiError} 408 past the request's deadline.
   */
  async find(request: Pick<RequestScope, "requestId" | "deadline">, tokenHash: string) {
    const cached = this.#memory.get(tokenHash);
    if (cached !== undefined) return cached;
    // The shared load ends by the deadline of the request that started it.
    const load = this.#loads.run(tokenHash, () =>
      beforeDeadline(this.#load(request, tokenHash), request.deadline, this.#clock),
    );
    return beforeDeadline(load, request.deadline, this.#clock);
  }

  async #load(request: Pick<RequestScope, "requestId" | "deadline">, tokenHash: string) {
    const { db } = openReadSession(this.#db, null);
    const token = await withTransientRetries(() => findTokenByHash(db, tokenHash), {
      ...request,
      clock: this.#clock,
    });
    this.#memory.set(tokenHash, token, this.#ttlMs);
    return token;
  }
}
