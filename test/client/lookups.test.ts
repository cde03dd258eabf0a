/**
 * The client package's lookups (its source, imported by name as a Worker would) against the
 * test's Worker: `getClientSession` and `getClientSessions`, their results and what they send.
 */
import { createClient } from "chat-session-lookup-client";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE_URL, seedConversation, seedLinkedChat, seedToken, uniqueChatId } from "../helpers";
import { failure, recordingFetch, workerFetch } from "../support/client-fetch";

let token: string;
beforeAll(async () => {
  token = await seedToken({ scopes: ["clients:read", "clients:write"] });
});

const lidOf = (chatId: string) => chatId.replace("@c.us", "5@lid");

describe("getClientSession", () => {
  it("answers the session and client of a chat", async () => {
    const { chatId, record } = await seedLinkedChat();
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    expect(await client.getClientSession(chatId)).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: record.session_id,
    });
  });

  it("answers a typed error for an unknown chat, and for a chat without a client", async () => {
    const chat = await seedConversation({ clientId: null });
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    expect(await client.getClientSession(uniqueChatId())).toEqual(failure(404, "Conversation not found"));
    expect(await client.getClientSession(chat.chatId)).toEqual(failure(404, "Client not found"));
  });

  it("answers a typed error for a missing or invalid chat id, and for a bad token", async () => {
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    expect(await client.getClientSession("")).toEqual(failure(400, "Chat ID is required"));
    expect(await client.getClientSession("not a chat")).toEqual(failure(400, "Invalid chat ID"));
    const stranger = createClient({ baseUrl: BASE_URL, token: "csl_nobody", fetch: workerFetch });
    expect(await stranger.getClientSession("123@c.us")).toEqual(failure(401, "Unauthorized"));
  });

  it("encodes the chat id, so any spelling reaches the server intact", async () => {
    const { chatId, record } = await seedLinkedChat();
    const { fetch, sent } = recordingFetch();
    const client = createClient({ baseUrl: BASE_URL, token, fetch });
    const spelling = chatId.replace("@c.us", ":12@s.whatsapp.net");
    const result = await client.getClientSession(spelling);
    expect(result).toEqual({ ok: true, clientId: record.id, sessionId: record.session_id });
    expect(new URL(sent[0]?.url ?? "").searchParams.get("chatId")).toBe(spelling);
  });

  it("answers by alt when the chat id is unknown, and sends no alt for null", async () => {
    const { chatId, record } = await seedLinkedChat();
    const { fetch, sent } = recordingFetch();
    const client = createClient({ baseUrl: BASE_URL, token, fetch });
    expect(await client.getClientSession(lidOf(chatId), { alt: chatId })).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: record.session_id,
    });
    expect(await client.getClientSession(lidOf(chatId), { alt: null })).toEqual(
      failure(404, "Conversation not found"),
    );
    expect(sent.map(({ url }) => new URL(url).searchParams.has("alt"))).toEqual([true, false]);
  });

  it("reads a write through its bookmark: sent as x-d1-bookmark with Cache-Control: no-cache", async () => {
    const { chatId, record } = await seedLinkedChat();
    const { fetch, sent } = recordingFetch();
    const client = createClient({ baseUrl: BASE_URL, token, fetch });
    const written = await client.putClient(record.id, { sessionId: "moved-session" });
    expect(written).toMatchObject({ ok: true, sessionId: "moved-session", bookmark: expect.any(String) });
    const bookmark = written.ok ? written.bookmark : null;

    expect(await client.getClientSession(chatId, { bookmark })).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: "moved-session",
    });
    const lookup = sent.at(-1)?.headers;
    expect(lookup?.get("x-d1-bookmark")).toBe(bookmark);
    expect(lookup?.get("cache-control")).toBe("no-cache");
  });

  it("skips the caches with fresh, and sends neither header by default", async () => {
    const { chatId } = await seedLinkedChat();
    const { fetch, sent } = recordingFetch();
    const client = createClient({ baseUrl: BASE_URL, token, fetch });
    await client.getClientSession(chatId, { fresh: true });
    await client.getClientSession(chatId, { bookmark: null });
    expect(sent.map(({ headers }) => [headers.get("cache-control"), headers.get("x-d1-bookmark")])).toEqual([
      ["no-cache", null],
      [null, null],
    ]);
  });
});

describe("getClientSessions", () => {
  it("answers every lookup in order, each as getClientSession would", async () => {
    const linked = await seedLinkedChat();
    const other = await seedLinkedChat();
    const unlinked = await seedConversation({ clientId: null });
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    const lookups = [
      { chatId: linked.chatId },
      { chatId: lidOf(other.chatId), alt: other.chatId },
      { chatId: unlinked.chatId, alt: null },
      { chatId: uniqueChatId() },
      { chatId: "hello" },
      { chatId: " " },
    ];

    const batch = await client.getClientSessions(lookups);
    expect(batch).toEqual({
      ok: true,
      results: [
        { ok: true, clientId: linked.record.id, sessionId: linked.record.session_id },
        { ok: true, clientId: other.record.id, sessionId: other.record.session_id },
        failure(404, "Client not found"),
        failure(404, "Conversation not found"),
        failure(400, "Invalid chat ID"),
        failure(400, "Chat ID is required"),
      ],
    });
    const singles = await Promise.all(
      lookups.map(({ chatId, alt }) => client.getClientSession(chatId, { alt })),
    );
    expect(batch.ok && batch.results).toEqual(singles);
  });

  it("fails as a whole for no lookups or more than 100, saying why, and sends the freshness headers", async () => {
    const { fetch, sent } = recordingFetch();
    const client = createClient({ baseUrl: BASE_URL, token, fetch });
    const tooMany = Array.from({ length: 150 }, () => ({ chatId: uniqueChatId() }));
    expect(await client.getClientSessions([])).toEqual(
      failure(400, "Invalid request body", [{ path: "lookups", message: expect.stringContaining("1") }]),
    );
    expect(await client.getClientSessions(tooMany)).toEqual(
      failure(400, "Invalid request body", [{ path: "lookups", message: expect.stringContaining("100") }]),
    );

    await client.getClientSessions([{ chatId: uniqueChatId() }], { bookmark: "bookmark-1" });
    const batch = sent.at(-1);
    expect(batch?.headers.get("x-d1-bookmark")).toBe("bookmark-1");
    expect(batch?.headers.get("cache-control")).toBe("no-cache");
    expect(batch?.headers.get("content-type")).toBe("application/json");
  });

  it("answers 403 for a token without clients:read", async () => {
    const writer = await seedToken({ scopes: ["clients:write"] });
    const client = createClient({ baseUrl: BASE_URL, token: writer, fetch: workerFetch });
    expect(await client.getClientSessions([{ chatId: uniqueChatId() }])).toEqual({
      ...failure(403, "Permission denied"),
      requiredScope: "clients:read",
    });
  });
});
