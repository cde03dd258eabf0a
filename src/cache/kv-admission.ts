/**
 * Which answers a read may put in KV (the lookup's, and the session statuses'). A KV write costs
 * ten times a KV read and ten thousand times a D1 row read, and most chats a location sees are
 * asked once: an answer earns its KV write only when its id missed every tier here
 * `missesBeforeWrite` times within `windowMs` (docs/caching.md has the figures this rule was
 * chosen from). A chat asked once never costs a KV write.
 */

import type { Clock } from "../lib/clock";
import { jsonSize, MemoryCache } from "./memory-cache";
import type { KvTierPolicy } from "./policy";

export class KvAdmission {
  readonly #policy: KvTierPolicy["admission"];
  // Keyed by canonical chat id or session id: never leaves the instance, never logged.
  readonly #misses: MemoryCache<number>;

  constructor(policy: KvTierPolicy["admission"], clock: Clock) {
    this.#policy = policy;
    this.#misses = new MemoryCache({ ...policy, sizeOf: jsonSize, clock });
  }

  /** Notes that `chatId` missed every tier; answers whether this miss earns it a KV write. */
  admit(chatId: string): boolean {
    const missed = (this.#misses.get(chatId) ?? 0) + 1;
    if (missed >= this.#policy.missesBeforeWrite) {
      this.#misses.delete(chatId);
      return true;
    }
    this.#misses.set(chatId, missed, this.#policy.windowMs);
    return false;
  }
}
