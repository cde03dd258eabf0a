import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { lookupCacheKey } from "../../src/cache/lookup-cache";
import {
  captureLogs,
  fetchAndSettle,
  lookup,
  lookupAndSettle,
  seedLinkedChat,
  seedToken,
  uniqueChatId,
  watchD1,
} from "../helpers";

const MEMORY_OFF = { MEMORY_CACHE_TTL_MS: "0" };

let token: string;
beforeAll(async () => {
  token = await seedToken();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function tierOf(response: Response): string | undefined {
  return /tier;desc="(\w+)"/.exec(response.headers.get("Server-Timing") ?? "")?.[1];
}

describe("the cache tiers of the lookup", () => {
  it("answers a first lookup from D1 and says so in Server-Timing", async () => {
    const { chatId } = await seedLinkedChat();
    const response = await lookupAndSettle(chatId, token);
    expect(response.status).toBe(200);
    expect(response.headers.get("Server-Timing")).toMatch(/^tier;desc="d1", storage;dur=\d+(\.\d+)?$/);
  });

  it("answers a hot lookup from memory, touching neither D1 nor KV", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookupAndSettle(chatId, token);

    const statements = await watchD1();
    const kvGet = vi.spyOn(env.CACHE, "get");
    const response = await lookup(chatId, token);
    expect(await response.json()).toEqual({ success: true, record });
    expect(tierOf(response)).toBe("memory");
    expect(statements).toEqual([]);
    expect(kvGet).not.toHaveBeenCalled();
  });

  it("stores a found answer in KV under a key that carries no chat id, for CACHE_TTL_SECONDS", async () => {
    const { chatId, record } = await seedLinkedChat();
    const put = vi.spyOn(env.CACHE, "put");
    expect((await lookupAndSettle(chatId, token)).status).toBe(200);

    const key = await lookupCacheKey(chatId);
    expect(key).toMatch(/^lookup:v1:[0-9a-f]{64}$/);
    expect(key).not.toContain(chatId.split("@")[0]);
    expect(await env.CACHE.get(key, "json")).toEqual(record);
    expect(put).toHaveBeenCalledWith(key, JSON.stringify(record), { expirationTtl: 300 });
  });

  it("answers from KV without touching D1 when this instance does not remember the chat", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookupAndSettle(chatId, token, MEMORY_OFF);

    const statements = await watchD1();
    const response = await lookupAndSettle(chatId, token, MEMORY_OFF);
    expect(await response.json()).toEqual({ success: true, record });
    expect(tierOf(response)).toBe("kv");
    expect(statements).toEqual([]);
  });

  it("keys every tier by the canonical chat id, so every spelling shares one entry", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookupAndSettle(chatId, token);

    const statements = await watchD1();
    const baileys = chatId.replace("@c.us", ":3@s.whatsapp.net");
    expect(await (await lookupAndSettle(baileys, token, MEMORY_OFF)).json()).toEqual({
      success: true,
      record,
    });
    expect(await (await lookup(baileys, token)).json()).toEqual({ success: true, record });
    expect(statements).toEqual([]);
  });

  it("does not put not-found answers in KV", async () => {
    const chatId = uniqueChatId();
    expect((await lookupAndSettle(chatId, token)).status).toBe(404);
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });

  it("remembers Conversation not found for a moment, so a flood of one unknown chat costs one query", async () => {
    const chatId = uniqueChatId();
    const statements = await watchD1();
    const responses = await Promise.all(Array.from({ length: 20 }, () => lookup(chatId, token)));
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "Conversation not found" });
    }
    expect((await lookup(chatId, token)).status).toBe(404);
    expect(statements.filter((sql) => sql.includes('"conversation"'))).toHaveLength(1);
  });

  it("shares one load among concurrent misses of the same chat", async () => {
    const { chatId, record } = await seedLinkedChat();
    const statements = await watchD1();
    const kvGet = vi.spyOn(env.CACHE, "get");
    const responses = await Promise.all(Array.from({ length: 10 }, () => lookup(chatId, token)));
    for (const response of responses) expect(await response.json()).toEqual({ success: true, record });
    expect(statements.filter((sql) => sql.includes('"conversation"'))).toHaveLength(1);
    expect(kvGet).toHaveBeenCalledTimes(1);
  });

  it("skips every tier for Cache-Control: no-cache, reads D1 and refreshes the caches", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookupAndSettle(chatId, token);
    // Change the row behind the caches' back, as another system writing to D1 would.
    await env.DB.prepare("UPDATE clients SET session_id = 'moved' WHERE id = ?").bind(record.id).run();
    expect(await (await lookup(chatId, token)).json()).toEqual({ success: true, record });

    const fresh = await fetchAndSettle(`/api/clients/view?chatId=${chatId}`, {
      headers: { Authorization: `Bearer ${token}`, "Cache-Control": "no-cache" },
    });
    const moved = { success: true, record: { ...record, session_id: "moved" } };
    expect(tierOf(fresh)).toBe("d1");
    expect(await fresh.json()).toEqual(moved);
    expect(await (await lookup(chatId, token)).json()).toEqual(moved);
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual(moved.record);
  });

  it("treats a malformed KV entry as a miss and answers from D1", async () => {
    const { chatId, record } = await seedLinkedChat();
    await env.CACHE.put(await lookupCacheKey(chatId), JSON.stringify({ id: 42 }));
    const response = await lookupAndSettle(chatId, token, MEMORY_OFF);
    expect(await response.json()).toEqual({ success: true, record });
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual(record);
  });

  it("answers from D1 and logs, without the chat id, when KV get throws", async () => {
    const { chatId, record } = await seedLinkedChat();
    vi.spyOn(env.CACHE, "get").mockRejectedValue(new Error("KV GET failed: 503 Service Unavailable"));
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
    expect(logs).toContain('"event":"cache.read_failed"');
    expect(logs).not.toContain(chatId.split("@")[0]);
  });

  it("still answers, and logs without the chat id, when KV put throws", async () => {
    const { chatId, record } = await seedLinkedChat();
    vi.spyOn(env.CACHE, "put").mockRejectedValue(new Error("KV PUT failed: 429 Too Many Requests"));
    const { result: response, logs } = await captureLogs(() => lookupAndSettle(chatId, token));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
    expect(logs).toContain('"event":"cache.write_failed"');
    expect(logs).not.toContain(chatId.split("@")[0]);
  });

  it("treats a KV read that hangs as a miss after its budget, and answers from D1", async () => {
    const { chatId, record } = await seedLinkedChat();
    vi.spyOn(env.CACHE, "get").mockReturnValue(new Promise(() => {}));
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
    expect(tierOf(response)).toBe("d1");
    expect(logs).toContain('"event":"cache.read_timeout"');
  });

  it("does not hold the answer for a KV write that hangs, and logs the hang", async () => {
    const { chatId, record } = await seedLinkedChat();
    vi.spyOn(env.CACHE, "put").mockReturnValue(new Promise(() => {}));
    const response = await lookup(chatId, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });

    const other = await seedLinkedChat();
    const { logs } = await captureLogs(() => lookupAndSettle(other.chatId, token));
    expect(logs).toContain('"event":"cache.write_timeout"');
  });
});
