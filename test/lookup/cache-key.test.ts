import { describe, expect, it } from "vitest";
import { cacheKeyOf } from "../../scripts/lib/transfer/cache-key.ts";
import { lookupCacheKey } from "../../src/cache/lookups/lookup-kv";

// `npm run import` removes the KV entries an import made stale by their keys: it must compute
// exactly the keys the Worker stores its answers under.
describe("the import's cache keys", () => {
  it.each(["123456789@c.us", "987654321098765@lid", "120363012345678901@g.us", "status@broadcast"])(
    "are the Worker's for %s",
    async (chatId) => {
      expect(await cacheKeyOf(chatId)).toBe(await lookupCacheKey(chatId));
    },
  );
});
