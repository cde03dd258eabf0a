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
  watchD1,
  write,
} from "../helpers";

let reader: string;
let writer: string;
beforeAll(async () => {
  reader = await seedToken({ scopes: ["clients:read"] });
  writer = await seedToken({ scopes: ["clients:write"] });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Holds the result of the next D1 statement matching `matches` until `until` settles: a query
 * that ran at once but whose answer comes back late.
 */
function holdNextStatement(matches: (sql: string) => boolean, until: Promise<unknown>) {
  const withSession = env.DB.withSession.bind(env.DB);
  const spy = vi.spyOn(env.DB, "withSession").mockImplementation((constraint) => {
    const session = withSession(constraint);
    const prepare = (sql: string) => {
      const statement = session.prepare(sql);
      if (!matches(sql)) return statement;
      spy.mockRestore();
      const held = (bound: D1PreparedStatement): D1PreparedStatement =>
        new Proxy(bound, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver);
            if (typeof value !== "function") return value;
            if (property === "bind") return (...args: unknown[]) => held(value.apply(target, args));
            return async (...args: unknown[]) => {
              const result = await value.apply(target, args);
              await until;
              return result;
            };
          },
        });
      return held(statement);
    };
    return {
      ...session,
      prepare,
      batch: session.batch.bind(session),
      getBookmark: session.getBookmark.bind(session),
    };
  });
}

/** Holds the next read of the conversation table until `release()`. */
function holdNextConversationRead() {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  holdNextStatement((sql) => sql.startsWith("select") && sql.includes('"conversation"'), gate);
  return { release };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("writes racing a lookup that read D1 before them", () => {
  it("keep the new session: the older answer is neither served nor cached afterwards", async () => {
    const { chatId, record } = await seedLinkedChat();
    const { release } = holdNextConversationRead();
    const before = lookupAndSettle(chatId, reader);
    await pause(20);

    const written = await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "after-write" });
    expect(written.status).toBe(200);
    release();
    expect(await (await before).json()).toEqual({ success: true, record });

    const now = { id: record.id, session_id: "after-write" };
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record: now });
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual(now);
  });

  it("keep a deleted client deleted", async () => {
    const { chatId, record } = await seedLinkedChat();
    const { release } = holdNextConversationRead();
    const before = lookupAndSettle(chatId, reader);
    await pause(20);

    expect((await write("DELETE", `/api/clients/${record.id}`, writer)).status).toBe(200);
    const right = await lookup(chatId, reader);
    expect(await right.json()).toEqual({ error: "Client not found" });
    release();
    await before;

    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Client not found" });
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });
});

describe("writes when KV misbehaves", () => {
  it("answer 200 when refreshing KV hangs: the write is stored, and this instance answers it", async () => {
    const { chatId, record } = await seedLinkedChat();
    vi.spyOn(env.CACHE, "put").mockReturnValue(new Promise(() => {}));
    const { result: response, logs } = await captureLogs(() =>
      write("PUT", `/api/clients/${record.id}`, writer, { session_id: "moved" }),
    );
    expect(response.status).toBe(200);
    expect(logs).toContain('"event":"cache.refresh_slow"');
    expect(await (await lookup(chatId, reader)).json()).toEqual({
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
  it("removes a KV entry whose chat D1 no longer has, so the old answer never comes back", async () => {
    const { chatId } = await seedLinkedChat();
    await lookupAndSettle(chatId, reader);
    const key = await lookupCacheKey(chatId);
    expect(await env.CACHE.get(key)).not.toBeNull();
    // Deleted behind the service's back (another tool writing to D1).
    await env.DB.prepare("DELETE FROM conversation WHERE chat_id = ?").bind(chatId).run();

    const fresh = await fetchAndSettle(`/api/clients/view?chatId=${chatId}`, {
      headers: { Authorization: `Bearer ${reader}`, "Cache-Control": "no-cache" },
    });
    expect(await fresh.json()).toEqual({ error: "Conversation not found" });
    expect(await env.CACHE.get(key)).toBeNull();
    expect(await (await lookupAndSettle(chatId, reader, { MEMORY_CACHE_TTL_MS: "0" })).json()).toEqual({
      error: "Conversation not found",
    });
  });

  it("does not rewrite KV when this instance already knew the same answer", async () => {
    const { chatId } = await seedLinkedChat();
    await lookupAndSettle(chatId, reader);
    const put = vi.spyOn(env.CACHE, "put");
    const fresh = await fetchAndSettle(`/api/clients/view?chatId=${chatId}`, {
      headers: { Authorization: `Bearer ${reader}`, "Cache-Control": "no-cache" },
    });
    expect(fresh.status).toBe(200);
    expect(put).not.toHaveBeenCalled();
  });
});

describe("token checks", () => {
  it("share one D1 query among concurrent requests with the same unseen token", async () => {
    const { chatId } = await seedLinkedChat();
    const token = await seedToken();
    const statements = await watchD1();
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
    const { chatId, record } = await seedLinkedChat();
    await watchD1({ table: "conversation", times: 1, behaviour: () => new Promise<never>(() => {}) });
    expect((await lookup(chatId, reader)).status).toBe(408);
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record });
  });

  it("does not let a hung token check lock its token out", async () => {
    const { chatId } = await seedLinkedChat();
    const token = await seedToken();
    await watchD1({ table: "api_tokens", times: 1, behaviour: () => new Promise<never>(() => {}) });
    expect((await lookup(chatId, token)).status).toBe(408);
    expect((await lookup(chatId, token)).status).toBe(200);
  });

  it("keeps the caches true to a write that committed after its caller got 408", async () => {
    const { chatId } = await seedLinkedChat();
    expect((await lookup(chatId, reader)).status).toBe(200);
    // The DELETE commits at once, but its answer comes back after LOOKUP_TIMEOUT_MS (1 s in tests).
    holdNextStatement((sql) => sql.startsWith("delete"), pause(1300));
    expect((await write("DELETE", `/api/conversations/${chatId}`, writer)).status).toBe(408);
    await pause(500);
    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Conversation not found" });
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });
});

describe("the settle pass after a write", () => {
  it("repairs a KV entry the write could not refresh, from the primary, a moment later", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookupAndSettle(chatId, reader);
    // KV refuses the write's own refresh (as its one-write-per-key-per-second limit would).
    vi.spyOn(env.CACHE, "put").mockRejectedValueOnce(new Error("KV PUT failed: 429"));
    const { result: written } = await captureLogs(() =>
      fetchAndSettle(`/api/clients/${record.id}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${writer}`, "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: "settled" }),
      }),
    );
    expect(written.status).toBe(200);
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual({
      id: record.id,
      session_id: "settled",
    });
  });

  it("reads a chat written here at least as new as the write, even from a replica", async () => {
    const { chatId, record } = await seedLinkedChat();
    const written = await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "s-new" });
    const bookmark = written.headers.get("x-d1-bookmark");
    // Neither memory nor KV answers: the lookup must read D1.
    await env.CACHE.delete(await lookupCacheKey(chatId));
    const withSession = vi.spyOn(env.DB, "withSession");
    const response = await lookupAndSettle(chatId, reader, { MEMORY_CACHE_TTL_MS: "0" });
    expect(response.status).toBe(200);
    expect(withSession).toHaveBeenCalledWith(bookmark);
  });
});
