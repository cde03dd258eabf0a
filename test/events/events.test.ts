/**
 * Every write records what it changed, in the same atomic batch as the change, and
 * `GET /api/events` reads that history back: by chat (any of its ids, across merges), by client,
 * by session, newest first, a page at a time.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { EventRecord } from "../../src/domain/event";
import {
  captureLogs,
  request,
  seedClient,
  seedConversation,
  seedToken,
  uniqueChatId,
  uniqueId,
  uniqueLid,
  write,
} from "../helpers";

const WRITER = uniqueId("crm-sync");
let writer: string;
beforeAll(async () => {
  writer = await seedToken({ name: WRITER, scopes: ["clients:read", "clients:write"] });
});

interface EventsBody {
  success: true;
  events: EventRecord[];
  next: string | null;
}

async function events(query: string, token = writer): Promise<EventsBody> {
  const response = await request(`/api/events?${query}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as EventsBody;
}

/** The events' types and changes, oldest first, without their ids and times. */
async function history(query: string, token = writer) {
  const { events: page } = await events(`${query}&limit=200`, token);
  return page.reverse().map(({ id, at, ...rest }) => rest);
}

describe("what a write records", () => {
  it("a client created, moved and deleted, with the token's name as actor and never a private field", async () => {
    const client = uniqueId("client");
    await write("PUT", `/api/clients/${client}`, writer, {
      session_id: "s-1",
      name: "Secret Name",
      phone: "+15550100",
    });
    await write("PUT", `/api/clients/${client}`, writer, { session_id: "s-2" });
    await write("DELETE", `/api/clients/${client}`, writer);

    expect(await history(`clientId=${client}`)).toEqual([
      {
        type: "client.upserted",
        actor: WRITER,
        client_id: client,
        session_id: "s-1",
        after: { session_id: "s-1" },
      },
      {
        type: "client.upserted",
        actor: WRITER,
        client_id: client,
        session_id: "s-2",
        before: { session_id: "s-1" },
        after: { session_id: "s-2" },
      },
      {
        type: "client.deleted",
        actor: WRITER,
        client_id: client,
        session_id: "s-2",
        before: { session_id: "s-2" },
      },
    ]);
    const stored = await env.DB.prepare("SELECT before, after FROM events WHERE client_id = ?")
      .bind(client)
      .all();
    expect(JSON.stringify(stored.results)).not.toMatch(/Secret Name|15550100/);
  });

  it("the same write again records nothing", async () => {
    const client = uniqueId("client");
    const chatId = uniqueChatId();
    await write("PUT", `/api/clients/${client}`, writer, { session_id: "s-1" });
    await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: client });
    await write("PUT", `/api/clients/${client}`, writer, { session_id: "s-1" });
    await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: client });
    expect((await history(`clientId=${client}`)).map((event) => event.type)).toEqual([
      "client.upserted",
      "conversation.linked",
    ]);
  });

  it("a conversation created, linked, moved, unlinked and deleted, with its aliases", async () => {
    const [first, second] = [await seedClient(), await seedClient()];
    const chatId = uniqueChatId();
    const lid = uniqueLid();
    const path = `/api/conversations/${chatId}`;
    await write("PUT", path, writer, { client_id: null });
    await write("PUT", path, writer, { client_id: first.id });
    await write("PUT", `${path}/aliases/${lid}`, writer);
    await write("PUT", path, writer, { client_id: second.id });
    await write("DELETE", `${path}/aliases/${lid}`, writer);
    await write("PUT", path, writer, { client_id: null });
    await write("PUT", `${path}/aliases/${lid}`, writer);
    await write("DELETE", path, writer);

    const one = { client_id: first.id, session_id: first.sessionId };
    const two = { client_id: second.id, session_id: second.sessionId };
    const none = { client_id: null, session_id: null };
    const base = { actor: WRITER, chat_id: chatId };
    expect(await history(`chatId=${chatId}`)).toEqual([
      { ...base, type: "conversation.created", after: none },
      { ...base, type: "conversation.linked", ...one, before: none, after: one },
      { ...base, type: "alias.added", ...one, after: { alias: lid } },
      { ...base, type: "conversation.linked", ...two, before: one, after: two },
      { ...base, type: "alias.removed", ...two, before: { alias: lid } },
      { ...base, type: "conversation.unlinked", ...two, before: two, after: none },
      { ...base, type: "alias.added", after: { alias: lid } },
      { ...base, type: "conversation.deleted", before: { ...none, aliases: [lid] } },
    ]);
  });

  it("a client's delete unlinks each of its conversations, each recorded with the client's session", async () => {
    const client = await seedClient();
    const [a, b] = [
      await seedConversation({ clientId: client.id }),
      await seedConversation({ clientId: client.id }),
    ];
    await write("DELETE", `/api/clients/${client.id}`, writer);
    const recorded = (await history(`clientId=${client.id}`)).filter((event) => event.actor === WRITER);
    expect(recorded.map((event) => [event.type, event.chat_id ?? null])).toEqual(
      expect.arrayContaining([
        ["conversation.unlinked", a.chatId],
        ["conversation.unlinked", b.chatId],
        ["client.deleted", null],
      ]),
    );
    expect(recorded).toHaveLength(3);
    expect(recorded.at(-1)?.type).toBe("client.deleted");
    for (const event of recorded.slice(0, 2)) {
      expect(event).toMatchObject({
        session_id: client.sessionId,
        after: { client_id: null, session_id: null },
      });
    }
  });

  it("a merge, once, in the history of both conversations' ids", async () => {
    const client = await seedClient();
    const phone = uniqueChatId();
    const lid = uniqueLid();
    await write("PUT", `/api/conversations/${phone}`, writer, { client_id: client.id });
    await write("PUT", `/api/conversations/${lid}`, writer, { client_id: null });
    expect((await write("PUT", `/api/conversations/${phone}/aliases/${lid}`, writer)).status).toBe(200);

    const merged = {
      actor: WRITER,
      type: "conversations.merged",
      chat_id: phone,
      client_id: client.id,
      session_id: client.sessionId,
      before: { chat_id: lid, client_id: null },
      after: { chat_id: phone, client_id: client.id, session_id: client.sessionId },
    };
    const byLid = await history(`chatId=${lid}`);
    expect(byLid.map((event) => event.type)).toEqual([
      "conversation.linked",
      "conversation.created",
      "conversations.merged",
    ]);
    expect(byLid.at(-1)).toEqual(merged);
    expect(await history(`chatId=${phone}`)).toEqual(byLid);
    // The conversation merged away leaves no "deleted" behind: it was merged, not deleted.
    const types = await env.DB.prepare("SELECT type FROM events WHERE chat_id IN (?, ?)")
      .bind(phone, lid)
      .all();
    expect(types.results.map((row) => row.type)).not.toContain("conversation.deleted");
  });

  it("a change whose event cannot be recorded is not made either", async () => {
    const chatId = uniqueChatId();
    await env.DB.prepare(
      "CREATE TRIGGER events_refused BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'no room'); END",
    ).run();
    try {
      const { result: response } = await captureLogs(() =>
        write("PUT", `/api/conversations/${chatId}`, writer, { client_id: null }),
      );
      expect(response.status).toBe(500);
    } finally {
      await env.DB.prepare("DROP TRIGGER events_refused").run();
    }
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM chat_ids WHERE chat_id = ?")
      .bind(chatId)
      .first();
    expect(stored).toEqual({ n: 0 });
    expect((await events(`chatId=${chatId}`)).events).toEqual([]);
  });

  it("a session's status, when it changes, with the token that reported it", async () => {
    const reporter = uniqueId("waha");
    const token = await seedToken({ name: reporter, scopes: ["sessions:write"] });
    const session = uniqueId("session");
    const report = (status: string, at: string) =>
      write("PUT", `/api/sessions/${session}/status`, token, { status, at });
    await report("WORKING", "2026-01-05T10:00:00Z");
    await report("WORKING", "2026-01-05T10:00:05Z");
    await report("FAILED", "2026-01-05T10:01:00Z");

    expect(await history(`sessionId=${session}`)).toEqual([
      {
        type: "session.status",
        actor: reporter,
        session_id: session,
        before: { status: "UNKNOWN", since: null },
        after: { status: "WORKING", since: "2026-01-05T10:00:00.000Z" },
      },
      {
        type: "session.status",
        actor: reporter,
        session_id: session,
        before: { status: "WORKING", since: "2026-01-05T10:00:00.000Z" },
        after: { status: "FAILED", since: "2026-01-05T10:01:00.000Z" },
      },
    ]);
  });

  it("removing a conversation's own chat id: the id it takes names the removal", async () => {
    const client = await seedClient();
    const phone = uniqueChatId();
    const lid = uniqueLid();
    await write("PUT", `/api/conversations/${phone}`, writer, { client_id: client.id });
    await write("PUT", `/api/conversations/${phone}/aliases/${lid}`, writer);
    expect((await write("DELETE", `/api/conversations/${lid}/aliases/${phone}`, writer)).status).toBe(200);

    const recorded = await history(`chatId=${lid}`);
    expect(recorded.map((event) => [event.type, event.chat_id])).toEqual([
      ["conversation.linked", phone],
      ["alias.added", phone],
      ["alias.removed", lid],
    ]);
    expect(recorded.at(-1)).toMatchObject({ before: { alias: phone }, client_id: client.id });
  });

  it("a change made in the database directly names the actor `database`", async () => {
    const { chatId } = await seedConversation({ clientId: null });
    expect((await history(`chatId=${chatId}`)).map((event) => event.actor)).toEqual(["database"]);
  });

  it("leaves no actor behind for the next write", async () => {
    await write("PUT", `/api/conversations/${uniqueChatId()}`, writer, { client_id: null });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM event_context").first()).toEqual({ n: 0 });
  });
});

describe("GET /api/events", () => {
  it("pages newest first with a cursor, to the end", async () => {
    const client = await seedClient();
    const chats = [uniqueChatId(), uniqueChatId(), uniqueChatId()];
    for (const chatId of chats)
      await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: client.id });

    // The client's own creation first, then its three chats.
    const first = await events(`clientId=${client.id}&limit=2`);
    expect(first.events.map((event) => event.chat_id)).toEqual([chats[2], chats[1]]);
    expect(first.next).toMatch(/^\d+$/);
    const second = await events(`clientId=${client.id}&limit=2&before=${first.next}`);
    expect(second.events.map((event) => event.chat_id ?? event.type)).toEqual([chats[0], "client.upserted"]);
    expect(second.next).toBeNull();
    for (const event of first.events) {
      expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(new Date(event.at).toISOString()).toBe(event.at);
    }
  });

  it("by session: its clients' and chats' events", async () => {
    const session = uniqueId("session");
    const client = uniqueId("client");
    const chatId = uniqueChatId();
    await write("PUT", `/api/clients/${client}`, writer, { session_id: session });
    await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: client });
    expect((await history(`sessionId=${session}`)).map((event) => event.type)).toEqual([
      "client.upserted",
      "conversation.linked",
    ]);
  });

  it("by chat: any spelling of any of its ids", async () => {
    const client = await seedClient();
    const phone = uniqueChatId();
    const lid = uniqueLid();
    await write("PUT", `/api/conversations/${phone}`, writer, { client_id: client.id });
    await write("PUT", `/api/conversations/${phone}/aliases/${lid}`, writer);
    const expected = await history(`chatId=${phone}`);
    expect(expected).toHaveLength(2);
    expect(
      await history(`chatId=${encodeURIComponent(phone.replace("@c.us", ":7@s.whatsapp.net"))}`),
    ).toEqual(expected);
    expect(await history(`chatId=${lid}`)).toEqual(expected);
  });

  it("a session-limited token sees only its sessions' events, and nothing of other chats", async () => {
    const mine = await seedClient();
    const theirs = await seedClient();
    const myChat = uniqueChatId();
    const theirChat = uniqueChatId();
    await write("PUT", `/api/conversations/${myChat}`, writer, { client_id: mine.id });
    await write("PUT", `/api/conversations/${theirChat}`, writer, { client_id: theirs.id });
    const limited = await seedToken({ scopes: ["clients:write"], sessions: [mine.sessionId] });

    expect((await events(`chatId=${myChat}`, limited)).events).toHaveLength(1);
    expect(await events(`chatId=${theirChat}`, limited)).toEqual({ success: true, events: [], next: null });
    expect(await events(`chatId=${uniqueChatId()}`, limited)).toEqual({
      success: true,
      events: [],
      next: null,
    });
    const all = await events("limit=200", limited);
    expect(all.events.length).toBeGreaterThan(0);
    expect(all.events.every((event) => event.session_id === mine.sessionId)).toBe(true);
  });

  it("needs clients:write", async () => {
    const reader = await seedToken({ scopes: ["clients:read"] });
    const response = await request("/api/events", { headers: { Authorization: `Bearer ${reader}` } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "clients:write" });
  });

  it.each([
    ["two filters", `chatId=${uniqueChatId()}&clientId=abc`, "Invalid query"],
    ["a limit of 0", "limit=0", "Invalid query"],
    ["a limit over 200", "limit=201", "Invalid query"],
    ["a limit that is no number", "limit=ten", "Invalid query"],
    ["a cursor it never answered", "before=abc", "Invalid query"],
    ["an invalid chat id", "chatId=hello", "Invalid chat ID"],
    ["an invalid client id", "clientId=%20x", "Invalid client ID"],
  ])("answers 400 for %s", async (_, query, error) => {
    const response = await request(`/api/events?${query}`, {
      headers: { Authorization: `Bearer ${writer}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error });
  });
});
