import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  captureLogs,
  hangD1,
  hangKv,
  holdNextBatch,
  holdNextStatement,
  lookup,
  lookupCacheKey,
  lookupRequest,
  ManualClock,
  seedLinkedChat,
  seedToken,
  useWorker,
  watchD1,
  write,
  writeRequest,
} from "../helpers";

let reader: string;
let writer: string;
beforeAll(async () => {
  reader = await seedToken({ scopes: ["clients:read"] });
  writer = await seedToken({ scopes: ["clients:write"] });
});

const isConversationRead = (sql: string) => sql.startsWith("select") && sql.includes('"conversation"');

describe("writes racing a lookup that read D1 before them", () => {
  it("keep the new session: the older answer is neither served nor cached afterwards", async () => {
    const { chatId, record } = await seedLinkedChat();
    const held = holdNextStatement(isConversationRead);
    const api = useWorker({});
    const before = api.send(...lookupRequest(chatId, reader));
    await held.reached;

    const written = await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "after-write" });
    expect(written.status).toBe(200);
    held.release();
    expect(await (await before.response).json()).toEqual({ success: true, record });
    await before.settled;

    const now = { id: record.id, session_id: "after-write" };
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record: now });
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual(now);
  });

  it("keep a deleted client deleted", async () => {
    const { chatId, record } = await seedLinkedChat();
    const held = holdNextStatement(isConversationRead);
    const api = useWorker({});
    const before = api.send(...lookupRequest(chatId, reader));
    await held.reached;

    expect((await write("DELETE", `/api/clients/${record.id}`, writer)).status).toBe(200);
    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Client not found" });
    held.release();
    await before.settled;

    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Client not found" });
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });
});

describe("writes when KV misbehaves", () => {
  it("answer 200 by the deadline when refreshing KV hangs: the write is stored, and this instance answers it", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const { chatId, record } = await seedLinkedChat();
    const kv = hangKv("put");
    const { result: response, logs } = await captureLogs(async () => {
      const sent = api.send(
        ...writeRequest("PUT", `/api/clients/${record.id}`, writer, { session_id: "moved" }),
      );
      await kv.reached;
      await clock.advance(5000);
      return sent.response;
    });
    expect(response.status).toBe(200);
    expect(logs).toContain('"event":"cache.refresh_slow"');
    // The memory entry of the write has expired by now: D1 answers (its KV write hangs too).
    const after = await api.send(...lookupRequest(chatId, reader)).response;
    expect(await after.json()).toEqual({
      success: true,
      record: { id: record.id, session_id: "moved" },
    });
  });

  it("answer 200 when refreshing KV throws, and log it", async () => {
    const { chatId } = await seedLinkedChat();
    vi.spyOn(env.CACHE, "delete").mockRejectedValue(new Error("KV DELETE failed"));
    const { result: response, logs } = await captureLogs(() =>
      write("DELETE", `/api/conversations/${chatId}`, writer),
    );
    expect(response.status).toBe(200);
    expect(logs).toContain('"event":"cache.refresh_failed"');
  });
});

describe("Cache-Control: no-cache", () => {
  it("makes at most two D1 reads of a chat however many ask at once, each from a read started after it", async () => {
    const { chatId, record } = await seedLinkedChat();
    const api = useWorker({});
    // A token of its own: 21 no-cache lookups, within its own budget for them (vitest.config.ts).
    const fresh = lookupRequest(chatId, await seedToken(), { "Cache-Control": "no-cache" });
    const held = holdNextStatement((sql) => sql.startsWith("select") && sql.includes('"chat_ids"'));
    const first = api.send(...fresh);
    await held.reached;
    // The session changes after the first read ran: every lookup sent from now on must see it.
    expect((await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "changed" })).status).toBe(
      200,
    );
    const statements = watchD1();
    const later = Array.from({ length: 19 }, () => api.send(...fresh));
    held.release();

    expect(await (await first.response).json()).toEqual({ success: true, record });
    for (const sent of later) {
      expect(await (await sent.response).json()).toEqual({
        success: true,
        record: { ...record, session_id: "changed" },
      });
    }
    // Without sharing, 19; with it, the next read (and one more if the first ended before they all came).
    expect(statements.filter((sql) => sql.includes('"chat_ids"')).length).toBeLessThanOrEqual(2);
  });

  it("leaves KV to writes: an entry of a chat deleted behind the service's back goes at the next write", async () => {
    const { chatId, record } = await seedLinkedChat();
    const key = await lookupCacheKey(chatId);
    await env.CACHE.put(key, JSON.stringify(record));
    // Deleted behind the service's back (another tool writing to D1).
    await env.DB.prepare("DELETE FROM conversation WHERE chat_id = ?").bind(chatId).run();

    const fresh = await lookup(chatId, await seedToken(), { "Cache-Control": "no-cache" });
    expect(await fresh.json()).toEqual({ error: "Conversation not found" });
    expect(await env.CACHE.get(key, "json")).toEqual(record);

    // Any write through the service reads what changed since, from the database itself.
    const other = await seedLinkedChat();
    expect(
      (await write("PUT", `/api/clients/${other.record.id}`, writer, { session_id: "any" })).status,
    ).toBe(200);
    expect(await env.CACHE.get(key)).toBeNull();
    useWorker({ vars: { MEMORY_CACHE_TTL_MS: "0" } });
    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Conversation not found" });
  });
});

describe("token checks", () => {
  it("share one D1 query among concurrent requests with the same unseen token", async () => {
    const { chatId } = await seedLinkedChat();
    const token = await seedToken();
    const statements = watchD1();
    const responses = await Promise.all(Array.from({ length: 8 }, () => lookup(chatId, token)));
    for (const response of responses) expect(response.status).toBe(200);
    expect(statements.filter((sql) => sql.includes('"api_tokens"'))).toHaveLength(1);
  });

  it("tell a session-limited token nothing through Server-Timing or bookmarks", async () => {
    const { chatId } = await seedLinkedChat();
    const limited = await seedToken({ sessions: ["another-session"] });
    const response = await lookup(chatId, limited);
    expect(response.status).toBe(404);
    expect(response.headers.get("Server-Timing")).toBeNull();
    expect(response.headers.get("x-d1-bookmark")).toBeNull();
  });
});

describe("storage that hangs or answers late", () => {
  it("does not let a hung lookup hold its chat hostage: the next lookup after the 408 answers", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const { chatId, record } = await seedLinkedChat();
    const hang = hangD1("conversation", 1);
    const hung = api.send(...lookupRequest(chatId, reader));
    await hang.reached;
    await clock.advance(5000);
    expect((await hung.response).status).toBe(408);
    expect(await (await api.fetch(...lookupRequest(chatId, reader))).json()).toEqual({
      success: true,
      record,
    });
  });

  it("does not let a hung token check lock its token out", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const { chatId } = await seedLinkedChat();
    const token = await seedToken();
    const hang = hangD1("api_tokens", 1);
    const hung = api.send(...lookupRequest(chatId, token));
    await hang.reached;
    await clock.advance(5000);
    expect((await hung.response).status).toBe(408);
    expect((await api.fetch(...lookupRequest(chatId, token))).status).toBe(200);
  });

  it("keeps the caches true to a write that committed after its caller got 408", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const { chatId } = await seedLinkedChat();
    expect((await api.fetch(...lookupRequest(chatId, reader))).status).toBe(200);
    // The DELETE commits at once, but its answer comes back only after LOOKUP_TIMEOUT_MS.
    const held = holdNextBatch();
    const late = api.send(...writeRequest("DELETE", `/api/conversations/${chatId}`, writer));
    await held.reached;
    await clock.advance(5000);
    expect((await late.response).status).toBe(408);
    held.release();
    await late.settled;
    expect(await (await api.fetch(...lookupRequest(chatId, reader))).json()).toEqual({
      error: "Conversation not found",
    });
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });
});

describe("the settle pass after a write", () => {
  it("repairs a KV entry the write could not refresh, from the primary, a moment later", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookup(chatId, reader);
    // KV refuses the write's own refresh (as its one-write-per-key-per-second limit would).
    vi.spyOn(env.CACHE, "put").mockRejectedValueOnce(new Error("KV PUT failed: 429"));
    const { result: written } = await captureLogs(() =>
      write("PUT", `/api/clients/${record.id}`, writer, { session_id: "settled" }),
    );
    expect(written.status).toBe(200);
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual({
      id: record.id,
      session_id: "settled",
    });
  });

  it("reads a chat written here at least as new as the write, even from a replica", async () => {
    useWorker({ vars: { MEMORY_CACHE_TTL_MS: "0" } });
    const { chatId, record } = await seedLinkedChat();
    const written = await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "s-new" });
    const bookmark = written.headers.get("x-d1-bookmark");
    // Neither memory nor KV answers: the lookup must read D1.
    await env.CACHE.delete(await lookupCacheKey(chatId));
    const withSession = vi.spyOn(env.DB, "withSession");
    const response = await lookup(chatId, reader);
    expect(response.status).toBe(200);
    expect(withSession).toHaveBeenCalledWith(bookmark);
  });
});
