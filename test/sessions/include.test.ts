/**
 * `include=session` on the lookup and `"include":["session"]` on the batch: the record gains its
 * session's status, from the session statuses' own tiers (a hot lookup touches no storage), kept
 * true by status writes as writes keep the lookup true. Without it, answers are exactly as before.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sessionCacheKey } from "../../src/cache/sessions/session-kv";
import {
  lookup,
  ManualClock,
  request,
  seedConversation,
  seedLinkedChat,
  seedToken,
  tierOf,
  uniqueChatId,
  useWorker,
  watchD1,
} from "../helpers";
import { iso, putStatus, sessionLookupRequest, statusOf, statusRequest } from "./support";

let reader: string;
let writer: string;
beforeAll(async () => {
  reader = await seedToken();
  writer = await seedToken({ scopes: ["sessions:write"] });
});

const T0 = Date.parse("2026-01-05T10:00:00Z");
const WITH_SESSION = "&include=session";

/** `GET /api/clients/view?chatId=…&include=session`. */
function lookupWithSession(chatId: string, token = reader, headers: Record<string, string> = {}) {
  return request(`/api/clients/view?chatId=${encodeURIComponent(chatId)}${WITH_SESSION}`, {
    headers: { Authorization: `Bearer ${token}`, ...headers },
  });
}

function batch(body: unknown, token = reader) {
  return request("/api/clients/view/batch", {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

const sessionReads = (statements: string[]) => statements.filter((sql) => /from "sessions"/i.test(sql));
const chatReads = (statements: string[]) => statements.filter((sql) => sql.includes('"chat_ids"'));

/** Counts KV calls by method from now on. */
function countKv() {
  return {
    get: vi.spyOn(env.CACHE, "get"),
    put: vi.spyOn(env.CACHE, "put"),
    delete: vi.spyOn(env.CACHE, "delete"),
  };
}

describe("GET /api/clients/view?include=session", () => {
  it("adds the session's status and since to the record", async () => {
    const { chatId, record } = await seedLinkedChat();
    await putStatus(record.session_id, writer, { status: "WORKING", at: iso(T0) });
    const response = await lookupWithSession(chatId);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      record: { ...record, session: { status: "WORKING", since: iso(T0) } },
    });
  });

  it("says UNKNOWN with since null for a session never reported", async () => {
    const { chatId, record } = await seedLinkedChat();
    expect(await (await lookupWithSession(chatId)).json()).toEqual({
      success: true,
      record: { ...record, session: { status: "UNKNOWN", since: null } },
    });
  });

  it("answers exactly as before without include, and reads no status", async () => {
    const { chatId, record } = await seedLinkedChat();
    await putStatus(record.session_id, writer, { status: "WORKING", at: iso(T0) });
    const statements = watchD1();
    const response = await lookup(chatId, reader);
    expect(await response.json()).toEqual({ success: true, record });
    expect(sessionReads(statements)).toEqual([]);
  });

  it("answers the 404s and 400s as before, reading no status", async () => {
    const unlinked = await seedConversation({ clientId: null });
    const statements = watchD1();
    expect(await (await lookupWithSession(uniqueChatId())).json()).toEqual({
      error: "Conversation not found",
    });
    expect(await (await lookupWithSession(unlinked.chatId)).json()).toEqual({ error: "Client not found" });
    expect(await (await lookupWithSession("hello")).json()).toEqual({ error: "Invalid chat ID" });
    expect(sessionReads(statements)).toEqual([]);
  });

  it("reads a session never asked here from D1 in one query, with the chat's own read", async () => {
    const { chatId } = await seedLinkedChat();
    const statements = watchD1();
    const response = await lookupWithSession(chatId);
    expect(await response.json()).toMatchObject({ record: { session: { status: "UNKNOWN" } } });
    expect(tierOf(response)).toBe("d1");
    expect(sessionReads(statements)).toHaveLength(1);
    expect(chatReads(statements)).toHaveLength(1);
  });

  it("reads a status another instance wrote from KV, and answers a hot lookup from memory, touching no storage", async () => {
    const { chatId, record } = await seedLinkedChat();
    await putStatus(record.session_id, writer, { status: "SCAN_QR_CODE", at: iso(T0) });
    useWorker({}); // Another instance: it knows neither the chat nor the session.
    await lookup(chatId, reader); // The chat is in its memory; the session is not.
    const statements = watchD1();
    const kv = countKv();
    const cold = await lookupWithSession(chatId);
    expect(await cold.json()).toMatchObject({ record: { session: { status: "SCAN_QR_CODE" } } });
    // The write put the status in KV: this instance reads it there.
    expect(tierOf(cold)).toBe("kv");
    expect(statements).toEqual([]);
    expect(kv.get).toHaveBeenCalledExactlyOnceWith(await sessionCacheKey(record.session_id), "json");

    statements.splice(0);
    kv.get.mockClear();
    kv.put.mockClear();
    for (let i = 0; i < 3; i++) {
      const hot = await lookupWithSession(chatId);
      expect(await hot.json()).toMatchObject({ record: { session: { status: "SCAN_QR_CODE" } } });
      expect(tierOf(hot)).toBe("memory");
    }
    expect(statements).toEqual([]);
    expect(kv.get).not.toHaveBeenCalled();
    expect(kv.put).not.toHaveBeenCalled();
  });

  it("answers a status write at once on the instance that took it, without reading it back", async () => {
    const { chatId, record } = await seedLinkedChat();
    await putStatus(record.session_id, writer, { status: "WORKING", at: iso(T0) });
    await lookupWithSession(chatId);
    await putStatus(record.session_id, writer, { status: "FAILED", at: iso(T0 + 1000) });
    const statements = watchD1();
    const response = await lookupWithSession(chatId);
    expect(await response.json()).toMatchObject({
      record: { session: { status: "FAILED", since: iso(T0 + 1000) } },
    });
    expect(statements).toEqual([]);
  });

  it("answers a status written through another instance within the memory TTL, then from KV", async () => {
    const { chatId, record } = await seedLinkedChat();
    const clock = new ManualClock();
    const other = useWorker({});
    const mine = useWorker({ clock });
    await other.fetch(...statusRequest(writer, record.session_id, "WORKING", T0));
    await mine.fetch(...sessionLookupRequest(reader, chatId));

    await other.fetch(...statusRequest(writer, record.session_id, "FAILED", T0 + 1000));
    // This instance still remembers WORKING, for at most MEMORY_CACHE_TTL_MS.
    await clock.advance(4999);
    expect(await statusOf(await mine.fetch(...sessionLookupRequest(reader, chatId)))).toBe("WORKING");
    await clock.advance(1);
    const after = await mine.fetch(...sessionLookupRequest(reader, chatId));
    expect(await statusOf(after)).toBe("FAILED");
    expect(await env.CACHE.get(await sessionCacheKey(record.session_id), "json")).toEqual({
      status: "FAILED",
      since: T0 + 1000,
    });
  });

  it.each(["sessions", "session,client", "other", "SESSION"])(
    "answers 400 Invalid include for include=%s",
    async (include) => {
      const { chatId } = await seedLinkedChat();
      const response = await request(
        `/api/clients/view?chatId=${encodeURIComponent(chatId)}&include=${encodeURIComponent(include)}`,
        { headers: { Authorization: `Bearer ${reader}` } },
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: "Invalid include" });
    },
  );

  it("takes empty parts of include as nothing: `,` asks for nothing, `session,` for the session", async () => {
    const { chatId, record } = await seedLinkedChat();
    const withInclude = (include: string) =>
      request(
        `/api/clients/view?chatId=${encodeURIComponent(chatId)}&include=${encodeURIComponent(include)}`,
        {
          headers: { Authorization: `Bearer ${reader}` },
        },
      );
    expect(await (await withInclude(",")).json()).toEqual({ success: true, record });
    expect(await (await withInclude("session,")).json()).toEqual({
      success: true,
      record: { ...record, session: { status: "UNKNOWN", since: null } },
    });
  });

  it("takes include given twice", async () => {
    const { chatId, record } = await seedLinkedChat();
    const response = await request(
      `/api/clients/view?chatId=${encodeURIComponent(chatId)}&include=session&include=session`,
      { headers: { Authorization: `Bearer ${reader}` } },
    );
    expect(await response.json()).toEqual({
      success: true,
      record: { ...record, session: { status: "UNKNOWN", since: null } },
    });
  });

  it("reads the session from D1 with Cache-Control: no-cache, and writes no KV key", async () => {
    const { chatId, record } = await seedLinkedChat();
    await putStatus(record.session_id, writer, { status: "WORKING", at: iso(T0) });
    await lookupWithSession(chatId);
    // Changed behind the caches' back, as another system writing to D1 would.
    await env.DB.prepare("UPDATE sessions SET status = 'STOPPED' WHERE id = ?").bind(record.session_id).run();
    expect(await statusOf(await lookupWithSession(chatId))).toBe("WORKING");

    const statements = watchD1();
    const kv = countKv();
    const fresh = await lookupWithSession(chatId, reader, { "Cache-Control": "no-cache" });
    expect(await statusOf(fresh)).toBe("STOPPED");
    expect(sessionReads(statements)).toHaveLength(1);
    expect(kv.put).not.toHaveBeenCalled();
    expect(kv.delete).not.toHaveBeenCalled();
    // Memory is refreshed.
    expect(await statusOf(await lookupWithSession(chatId))).toBe("STOPPED");
  });

  it("reads only the statuses of sessions a session-limited token may see", async () => {
    const mine = await seedLinkedChat();
    const hidden = await seedLinkedChat();
    const limited = await seedToken({ sessions: [mine.record.session_id] });
    const statements = watchD1();
    expect(await (await lookupWithSession(hidden.chatId, limited)).json()).toEqual({
      error: "Conversation not found",
    });
    expect(sessionReads(statements)).toEqual([]);
    expect(await (await lookupWithSession(mine.chatId, limited)).json()).toEqual({
      success: true,
      record: { ...mine.record, session: { status: "UNKNOWN", since: null } },
    });
  });

  it("puts a status read from D1 in KV only at its second miss here", async () => {
    const { chatId, record } = await seedLinkedChat();
    const clock = new ManualClock();
    useWorker({ clock });
    const key = await sessionCacheKey(record.session_id);
    await lookupWithSession(chatId);
    expect(await env.CACHE.get(key)).toBeNull();
    await clock.advance(5000);
    await lookupWithSession(chatId);
    expect(await env.CACHE.get(key, "json")).toEqual({ status: "UNKNOWN", since: null });
  });
});

describe('POST /api/clients/view/batch with include: ["session"]', () => {
  it("adds each record's session status; errors stay as they were", async () => {
    const first = await seedLinkedChat();
    const second = await seedLinkedChat();
    await putStatus(first.record.session_id, writer, { status: "WORKING", at: iso(T0) });
    const lookups = [
      { chatId: first.chatId },
      { chatId: uniqueChatId() },
      { chatId: second.chatId },
      { chatId: "x" },
    ];
    const response = await batch({ lookups, include: ["session"] });
    expect(await response.json()).toEqual({
      success: true,
      results: [
        { record: { ...first.record, session: { status: "WORKING", since: iso(T0) } } },
        { error: "Conversation not found" },
        { record: { ...second.record, session: { status: "UNKNOWN", since: null } } },
        { error: "Invalid chat ID" },
      ],
    });
    const without = await batch({ lookups });
    expect(await without.json()).toEqual({
      success: true,
      results: [
        { record: first.record },
        { error: "Conversation not found" },
        { record: second.record },
        { error: "Invalid chat ID" },
      ],
    });
  });

  it("reads the statuses of all its records' sessions with one KV bulk read and one D1 query", async () => {
    const chats = await Promise.all(Array.from({ length: 30 }, () => seedLinkedChat()));
    const lookups = chats.map(({ chatId }) => ({ chatId }));
    await batch({ lookups }); // The chats are in memory; their sessions were never asked.
    const statements = watchD1();
    const kv = countKv();
    const response = await batch({ lookups, include: ["session"] });
    expect(response.status).toBe(200);
    expect(sessionReads(statements)).toHaveLength(1);
    expect(chatReads(statements)).toEqual([]);
    expect(kv.get).toHaveBeenCalledTimes(1);
  });

  it("answers 400 Invalid request body for another include", async () => {
    const { chatId } = await seedLinkedChat();
    const response = await batch({ lookups: [{ chatId }], include: ["sessions"] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: "Invalid request body",
      details: [expect.objectContaining({ path: "include.0" })],
    });
  });
});
