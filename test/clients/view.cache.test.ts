import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { lookupCacheKey } from "../../src/cache/lookup-cache";
import { captureLogs, lookup, lookupAndSettle, seedLinkedChat, seedToken, uniqueChatId } from "../helpers";

let token: string;
beforeAll(async () => {
  token = await seedToken();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the KV cache of lookups", () => {
  it("stores a successful answer under a key that carries no chat id, for CACHE_TTL_SECONDS", async () => {
    const { chatId, record } = await seedLinkedChat();
    const put = vi.spyOn(env.CACHE, "put");
    expect((await lookupAndSettle(chatId, token)).status).toBe(200);

    const key = await lookupCacheKey(chatId);
    expect(key).toMatch(/^lookup:v1:[0-9a-f]{64}$/);
    expect(key).not.toContain(chatId.split("@")[0]);
    expect(await env.CACHE.get(key, "json")).toEqual(record);
    expect(put).toHaveBeenCalledWith(key, JSON.stringify(record), { expirationTtl: 300 });
  });

  it("answers a second lookup from KV without touching D1", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookupAndSettle(chatId, token);

    const prepare = vi.spyOn(env.DB, "prepare");
    const response = await lookup(chatId, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
    expect(prepare).not.toHaveBeenCalled();
  });

  it("keys the cache by the canonical chat id, so every spelling shares one entry", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookupAndSettle(chatId, token);

    const prepare = vi.spyOn(env.DB, "prepare");
    const baileys = chatId.replace("@c.us", ":3@s.whatsapp.net");
    expect(await (await lookup(baileys, token)).json()).toEqual({ success: true, record });
    expect(prepare).not.toHaveBeenCalled();
  });

  it("does not cache not-found answers in KV", async () => {
    const chatId = uniqueChatId();
    expect((await lookupAndSettle(chatId, token)).status).toBe(404);
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });

  it("treats a malformed cache entry as a miss and answers from D1", async () => {
    const { chatId, record } = await seedLinkedChat();
    await env.CACHE.put(await lookupCacheKey(chatId), JSON.stringify({ id: 42 }));
    const response = await lookupAndSettle(chatId, token);
    expect(await response.json()).toEqual({ success: true, record });
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual(record);
  });

  it("answers from D1 and logs, without the chat id, when KV get throws", async () => {
    const { chatId, record } = await seedLinkedChat();
    vi.spyOn(env.CACHE, "get").mockRejectedValue(new Error("KV GET failed: 503 Service Unavailable"));
    let response: Response | undefined;
    const logs = await captureLogs(async () => {
      response = await lookup(chatId, token);
    });
    expect(response?.status).toBe(200);
    expect(await response?.json()).toEqual({ success: true, record });
    expect(logs).toContain('"event":"cache.read_failed"');
    expect(logs).not.toContain(chatId.split("@")[0]);
  });

  it("still answers, and logs without the chat id, when KV put throws", async () => {
    const { chatId, record } = await seedLinkedChat();
    vi.spyOn(env.CACHE, "put").mockRejectedValue(new Error("KV PUT failed: 429 Too Many Requests"));
    let response: Response | undefined;
    const logs = await captureLogs(async () => {
      response = await lookupAndSettle(chatId, token);
    });
    expect(response?.status).toBe(200);
    expect(await response?.json()).toEqual({ success: true, record });
    expect(logs).toContain('"event":"cache.write_failed"');
    expect(logs).not.toContain(chatId.split("@")[0]);
  });
});
