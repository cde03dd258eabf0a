/**
 * The KV key under which the Worker caches the lookup of a canonical chat id: the one
 * `lookupCacheKey` (src/cache/lookups/lookup-kv.ts) gives, which a test in the Worker's suite holds
 * this to. Imports nothing Node-only, so that test can run it in workerd.
 */
import { sha256Hex } from "../../../src/lib/sha256.ts";

export const CACHE_KEY_PREFIX = "lookup:v1:";

export async function cacheKeyOf(chatId: string): Promise<string> {
  return CACHE_KEY_PREFIX + (await sha256Hex(chatId));
}
