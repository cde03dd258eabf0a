import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  captureLogs,
  hangKv,
  lookup,
  lookupCacheKey,
  lookupRequest,
  ManualClock,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  tierOf,
  uniqueBsuid,
  uniqueChatId,
  useWorker,
  watchD1,
} from "../helpers";

const MEMORY_OFF = { vars: { MEMORY_CACHE_TTL_MS: "0" } };

let token: string;
beforeAll(async () => {
  token = await seedToken();
});

const conversationReads = (statements: string[]) =>
  statements.filter((sql) => sql.includes('"conversation"'));

describe("the cache tiers of the lookup", () => {
  it("answers a first lookup from D1 and says so in Server-Timing", async () => {
    const { chatId } = await seedLinkedChat();
    const response = await lookup(chatId, token);
    expect(response.status).toBe(200);
    expect(response.headers.get("Server-Timing")).toMatch(/^tier;desc="d1", storage;dur=\d+(\.\d+)?$/);
  });

  it("answers a hot lookup from memory, touching neither D1 nor KV", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookup(chatId, token);

    const statements = watchD1();
    const kvGet = vi.spyOn(env.CACHE, "get");
    const response = await lookup(chatId, token);
    expect(await response.json()).toEqual({ success: true, record });
    expect(tierOf(response)).toBe("memory");
    expect(statements).toEqual([]);
    expect(kvGet).not.toHaveBeenCalled();
  });

  it("costs a chat asked once no KV write", async () => {
    useWorker(MEMORY_OFF);
    const { chatId } = await seedLinkedChat();
    const put = vi.spyOn(env.CACHE, "put");
    expect((await lookup(chatId, token)).status).toBe(200);
    expect(put).not.toHaveBeenCalled();
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });

  it("stores a found answer in KV at its second miss here, under a key that carries no chat id, for CACHE_TTL_SECONDS", async () => {
    useWorker(MEMORY_OFF);
    const { chatId, record } = await seedLinkedChat();
    const put = vi.spyOn(env.CACHE, "put");
    expect((await lookup(chatId, token)).status).toBe(200);
    expect((await lookup(chatId, token)).status).toBe(200);

    const key = await lookupCacheKey(chatId);
    expect(key).toMatch(/^lookup:v1:[0-9a-f]{64}$/);
    expect(key).not.toContain(chatId.split("@")[0]);
    expect(await env.CACHE.get(key, "json")).toEqual(record);
    expect(put).toHaveBeenCalledExactlyOnceWith(key, JSON.stringify(record), { expirationTtl: 300 });
  });

  it("does not count misses older than the admission window", async () => {
    const clock = new ManualClock();
    useWorker({ clock, ...MEMORY_OFF });
    const { chatId } = await seedLinkedChat();
    const put = vi.spyOn(env.CACHE, "put");
    await lookup(chatId, token);
    await clock.advance(60_000);
    await lookup(chatId, token);
    expect(put).not.toHaveBeenCalled();
    await clock.advance(59_999);
    await lookup(chatId, token);
    expect(put).toHaveBeenCalledOnce();
  });

  it("answers from KV without touching D1 when this instance does not remember the chat", async () => {
    useWorker(MEMORY_OFF);
    const { chatId, record } = await seedLinkedChat();
    await lookup(chatId, token);
    await lookup(chatId, token);

    const statements = watchD1();
    const response = await lookup(chatId, token);
    expect(await response.json()).toEqual({ success: true, record });
    expect(tierOf(response)).toBe("kv");
    expect(statements).toEqual([]);
  });

  it("reads KV again once the memory entry is older than MEMORY_CACHE_TTL_MS", async () => {
    const clock = new ManualClock();
    useWorker({ clock });
    const { chatId } = await seedLinkedChat();
    await lookup(chatId, token);
    await clock.advance(5000);
    // Its second miss: now in KV too.
    expect(tierOf(await lookup(chatId, token))).toBe("d1");
    await clock.advance(4999);
    expect(tierOf(await lookup(chatId, token))).toBe("memory");
    await clock.advance(1);
    expect(tierOf(await lookup(chatId, token))).toBe("kv");
  });

  it("keys every tier by the canonical chat id, so every spelling shares one entry", async () => {
    const { chatId, record } = await seedLinkedChat();
    const baileys = chatId.replace("@c.us", ":3@s.whatsapp.net");
    useWorker(MEMORY_OFF);
    await lookup(chatId, token);
    await lookup(baileys, token);

    const statements = watchD1();
    expect(await (await lookup(baileys, token)).json()).toEqual({ success: true, record });
    expect(conversationReads(statements)).toEqual([]);
    useWorker({});
    await lookup(chatId, token);
    expect(await (await lookup(baileys, token)).json()).toEqual({ success: true, record });
    expect(conversationReads(statements)).toEqual([]);
  });

  it("keys every tier by the canonical id for a Cloud API number and a hosted device too", async () => {
    const { chatId, record } = await seedLinkedChat();
    const number = chatId.replace("@c.us", "");
    useWorker(MEMORY_OFF);
    await lookup(`+${number}`, token);
    await lookup(`${number}:99@hosted`, token);

    const statements = watchD1();
    expect(await (await lookup(number, token)).json()).toEqual({ success: true, record });
    expect(conversationReads(statements)).toEqual([]);
    useWorker({});
    await lookup(`${number}.0:2@s.whatsapp.net`, token);
    expect(await (await lookup(`${number}@hosted`, token)).json()).toEqual({ success: true, record });
    expect(conversationReads(statements)).toEqual([]);
  });

  it("costs the same D1 and KV calls for a business-scoped user id as for a phone-number id, in every tier", async () => {
    const client = await seedClient();
    const phone = await seedConversation({ clientId: client.id });
    const bsuid = await seedConversation({ chatId: uniqueBsuid(), clientId: client.id });
    const statements = watchD1();
    const kvGet = vi.spyOn(env.CACHE, "get");
    const kvPut = vi.spyOn(env.CACHE, "put");

    /** The storage calls of each lookup of `chatId`: its first misses, then by KV, then from memory. */
    const costOf = async (chatId: string) => {
      const costs: { tier: string | undefined; d1: number; kvGets: number; kvPuts: number }[] = [];
      const measure = async () => {
        statements.length = 0;
        kvGet.mockClear();
        kvPut.mockClear();
        const response = await lookup(chatId, token);
        expect(response.status).toBe(200);
        costs.push({
          tier: tierOf(response),
          // The token's check is the same for both: only the chat's reads count.
          d1: statements.filter((sql) => sql.includes('"chat_ids"')).length,
          kvGets: kvGet.mock.calls.length,
          kvPuts: kvPut.mock.calls.length,
        });
      };
      useWorker(MEMORY_OFF);
      for (let i = 0; i < 3; i++) await measure();
      useWorker({});
      for (let i = 0; i < 2; i++) await measure();
      return costs;
    };

    const byPhone = await costOf(phone.chatId);
    expect(byPhone).toEqual([
      { tier: "d1", d1: 1, kvGets: 1, kvPuts: 0 },
      { tier: "d1", d1: 1, kvGets: 1, kvPuts: 1 },
      { tier: "kv", d1: 0, kvGets: 1, kvPuts: 0 },
      { tier: "kv", d1: 0, kvGets: 1, kvPuts: 0 },
      { tier: "memory", d1: 0, kvGets: 0, kvPuts: 0 },
    ]);
    expect(await costOf(bsuid.chatId)).toEqual(byPhone);
  });

  it("does not put not-found answers in KV", async () => {
    const chatId = uniqueChatId();
    const put = vi.spyOn(env.CACHE, "put");
    expect((await lookup(chatId, token)).status).toBe(404);
    expect(put).not.toHaveBeenCalled();
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });

  it("remembers Conversation not found for a moment, so a flood of one unknown chat costs one query", async () => {
    const chatId = uniqueChatId();
    const statements = watchD1();
    const responses = await Promise.all(Array.from({ length: 20 }, () => lookup(chatId, token)));
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "Conversation not found" });
    }
    expect((await lookup(chatId, token)).status).toBe(404);
    expect(conversationReads(statements)).toHaveLength(1);
  });

  it("shares one load among concurrent misses of the same chat", async () => {
    const { chatId, record } = await seedLinkedChat();
    const statements = watchD1();
    const kvGet = vi.spyOn(env.CACHE, "get");
    const responses = await Promise.all(Array.from({ length: 10 }, () => lookup(chatId, token)));
    for (const response of responses) expect(await response.json()).toEqual({ success: true, record });
    expect(conversationReads(statements)).toHaveLength(1);
    expect(kvGet).toHaveBeenCalledTimes(1);
  });

  it("skips every tier for Cache-Control: no-cache, reads D1 and refreshes memory, never KV", async () => {
    const { chatId, record } = await seedLinkedChat();
    await env.CACHE.put(await lookupCacheKey(chatId), JSON.stringify(record));
    await lookup(chatId, token);
    // Change the row behind the caches' back, as another system writing to D1 would.
    await env.DB.prepare("UPDATE clients SET session_id = 'moved' WHERE id = ?").bind(record.id).run();
    expect(await (await lookup(chatId, token)).json()).toEqual({ success: true, record });

    const put = vi.spyOn(env.CACHE, "put");
    const remove = vi.spyOn(env.CACHE, "delete");
    const fresh = await lookup(chatId, token, { "Cache-Control": "no-cache" });
    const moved = { success: true, record: { ...record, session_id: "moved" } };
    expect(tierOf(fresh)).toBe("d1");
    expect(await fresh.json()).toEqual(moved);
    expect(await (await lookup(chatId, token)).json()).toEqual(moved);
    expect(put).not.toHaveBeenCalled();
    expect(remove).not.toHaveBeenCalled();
  });

  it("never writes nor deletes a KV key for a no-cache lookup, found or not", async () => {
    useWorker(MEMORY_OFF);
    const { chatId } = await seedLinkedChat();
    const put = vi.spyOn(env.CACHE, "put");
    const remove = vi.spyOn(env.CACHE, "delete");
    for (const id of [chatId, chatId, uniqueChatId(), uniqueChatId()]) {
      await lookup(id, token, { "Cache-Control": "no-cache" });
    }
    expect(put).not.toHaveBeenCalled();
    expect(remove).not.toHaveBeenCalled();
  });

  it("treats a malformed KV entry as a miss and answers from D1", async () => {
    useWorker(MEMORY_OFF);
    const { chatId, record } = await seedLinkedChat();
    await env.CACHE.put(await lookupCacheKey(chatId), JSON.stringify({ id: 42 }));
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(await response.json()).toEqual({ success: true, record });
    expect(tierOf(response)).toBe("d1");
    expect(logs).toContain('"event":"cache.malformed_entry"');
    await lookup(chatId, token);
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual(record);
  });
});

describe("the lookup when KV misbehaves", () => {
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
    useWorker(MEMORY_OFF);
    const { chatId, record } = await seedLinkedChat();
    await lookup(chatId, token);
    vi.spyOn(env.CACHE, "put").mockRejectedValue(new Error("KV PUT failed: 429 Too Many Requests"));
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
    expect(logs).toContain('"event":"cache.write_failed"');
    expect(logs).not.toContain(chatId.split("@")[0]);
  });

  it("treats a KV read that hangs as a miss after CACHE_READ_TIMEOUT_MS, and answers from D1", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const { chatId, record } = await seedLinkedChat();
    const kv = hangKv("get");
    const { result: response, logs } = await captureLogs(async () => {
      const sent = api.send(...lookupRequest(chatId, token));
      let answered = false;
      void sent.response.then(() => {
        answered = true;
      });
      await kv.reached;
      await clock.advance(249);
      expect(answered).toBe(false);
      await clock.advance(1);
      return sent.response;
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
    expect(tierOf(response)).toBe("d1");
    expect(logs).toContain('"event":"cache.read_timeout"');
  });

  it("does not hold the answer for a KV write that hangs, and logs the hang after LOOKUP_TIMEOUT_MS", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock, ...MEMORY_OFF });
    const { chatId, record } = await seedLinkedChat();
    await api.fetch(...lookupRequest(chatId, token));
    hangKv("put");
    const { logs } = await captureLogs(async () => {
      const sent = api.send(...lookupRequest(chatId, token));
      const response = await sent.response;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ success: true, record });
      await clock.advance(5000);
      await sent.settled;
    });
    expect(logs).toContain('"event":"cache.write_timeout"');
  });
});
