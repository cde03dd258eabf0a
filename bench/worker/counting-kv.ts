/**
 * A `KVNamespace` that counts what the app does with it (reads and the keys they read, writes,
 * deletes, lists), with an optional delay before each call; and one that holds nothing, for the
 * runs that turn the KV tier off.
 */
import type { CounterState, StorageKind } from "../counters.ts";
import { delay } from "./counting-d1.ts";
import { attribute, currentCounters } from "./tally.ts";

type KvCount = Exclude<keyof CounterState["kv"], "keysRead">;

const KV_KINDS: Record<string, KvCount> = {
  get: "reads",
  getWithMetadata: "reads",
  put: "writes",
  delete: "deletes",
  list: "lists",
};

const KV_TIER_KINDS: Partial<Record<KvCount, StorageKind>> = {
  reads: "kvReads",
  writes: "kvWrites",
  deletes: "kvDeletes",
};

/** `real`, counted, with `rtt` ms before each call. A bulk read counts once, and its keys each. */
export function countingKv(real: KVNamespace, rtt: number): KVNamespace {
  return new Proxy(real, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      const kind = typeof property === "string" ? KV_KINDS[property] : undefined;
      if (typeof value !== "function" || kind === undefined) return value;
      const tierKind = KV_TIER_KINDS[kind];
      return async (...args: unknown[]) => {
        const counters = currentCounters();
        counters.kv[kind] += 1;
        if (tierKind !== undefined) attribute(tierKind);
        if (kind === "reads") {
          // KV bills reads per key: a bulk read of 100 keys is 100 reads.
          const keys = Array.isArray(args[0]) ? args[0].length : 1;
          counters.kv.keysRead += keys;
          attribute("kvKeysRead", keys);
        }
        await delay(rtt);
        return value.apply(target, args);
      };
    },
  });
}

/**
 * A KV namespace that holds nothing: every read misses, writes and deletes are dropped, and
 * none of it is counted, since without a KV tier there would be no such call to pay for.
 */
export function absentKv(): KVNamespace {
  const get = async (key: unknown) =>
    Array.isArray(key) ? new Map(key.map((each: unknown) => [each, null])) : null;
  const kv = {
    get,
    getWithMetadata: async (key: unknown) =>
      Array.isArray(key)
        ? new Map(key.map((each: unknown) => [each, { value: null, metadata: null }]))
        : { value: null, metadata: null, cacheStatus: null },
    put: async () => undefined,
    delete: async () => undefined,
    list: async () => ({ keys: [], list_complete: true, cacheStatus: null }),
  };
  return kv as unknown as KVNamespace;
}
