import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  holdNextStatement,
  lookup,
  lookupCacheKey,
  lookupRequest,
  request,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  uniqueChatId,
  uniqueLid,
  useWorker,
  write,
} from "../helpers";

let writer: string;
let reader: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["clients:read", "clients:write"] });
  reader = await seedToken({ scopes: ["clients:read"] });
});

const putAlias = (chatId: string, alias: string) =>
  write("PUT", `/api/conversations/${chatId}/aliases/${alias}`, writer);
const deleteAlias = (chatId: string, alias: string) =>
  write("DELETE", `/api/conversations/${chatId}/aliases/${alias}`, writer);

async function storedIds(conversationChatId: string) {
  const { results } = await env.DB.prepare(
    "SELECT i.chat_id FROM chat_ids i JOIN conversation c ON c.id = i.conversation_id WHERE c.chat_id = ? ORDER BY i.chat_id",
  )
    .bind(conversationChatId)
    .all<{ chat_id: string }>();
  return results.map((row) => row.chat_id);
}

async function conversationRows(...chatIds: string[]) {
  const { results } = await env.DB.prepare(
    `SELECT chat_id, client_id FROM conversation WHERE chat_id IN (${chatIds.map(() => "?").join(",")}) ORDER BY chat_id`,
  )
    .bind(...chatIds)
    .all();
  return results;
}

describe("PUT /api/conversations/{chatId}/aliases/{alias}", () => {
  it("adds a LID to a conversation: the lookup by LID answers its client at once", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    expect(await (await lookup(lid, reader)).json()).toEqual({ error: "Conversation not found" });

    const response = await putAlias(chatId, lid);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-d1-bookmark")).toBeTruthy();
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: chatId, client_id: record.id, aliases: [lid] },
    });
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record });
    expect(await env.CACHE.get(await lookupCacheKey(lid), "json")).toEqual(record);
    expect(await storedIds(chatId)).toEqual([chatId, lid].sort());
  });

  it("stores the alias in canonical form, whatever the spelling", async () => {
    const { chatId } = await seedLinkedChat();
    const phone = uniqueChatId();
    const lid = uniqueLid();
    await putAlias(chatId, phone.replace("@c.us", ":3@s.whatsapp.net"));
    const response = await putAlias(chatId, lid.replace("@lid", ":12@lid"));
    expect(((await response.json()) as { record: { aliases: string[] } }).record.aliases).toEqual(
      [phone, lid].sort(),
    );
  });

  it("changes nothing for an id the conversation already has", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    const again = await putAlias(chatId, lid);
    expect(await again.json()).toEqual({
      success: true,
      record: { chat_id: chatId, client_id: record.id, aliases: [lid] },
    });
    const own = await putAlias(lid, chatId);
    expect(own.status).toBe(200);
    expect(await storedIds(chatId)).toEqual([chatId, lid].sort());
  });

  it("merges a LID-only conversation without a client into the phone-number one: both ids answer its client", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    // A reaction came first, with only the LID: the bot stored it without a client.
    await seedConversation({ chatId: lid, clientId: null });
    expect(await (await lookup(lid, reader)).json()).toEqual({ error: "Client not found" });
    // Conversations the merge does not concern keep their client, or their lack of one.
    const unlinked = await seedConversation({ clientId: null });
    const linked = await seedLinkedChat();
    const untouched = await conversationRows(unlinked.chatId, linked.chatId);

    const response = await putAlias(chatId, lid);
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: chatId, client_id: record.id, aliases: [lid] },
    });
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record });
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record });
    expect(await conversationRows(chatId, lid)).toEqual([{ chat_id: chatId, client_id: record.id }]);
    expect(await conversationRows(unlinked.chatId, linked.chatId)).toEqual(untouched);
  });

  it("merges the other way round too: the conversation without a client takes the other's client", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await seedConversation({ chatId: lid, clientId: null });
    await lookup(chatId, reader);

    const response = await putAlias(lid, chatId);
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: lid, client_id: record.id, aliases: [chatId] },
    });
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record });
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record });
    expect(await storedIds(lid)).toEqual([chatId, lid].sort());
  });

  it("merges two conversations of the same client, with every alias of both", async () => {
    const client = await seedClient();
    const first = await seedConversation({ clientId: client.id });
    const second = await seedConversation({ clientId: client.id });
    const lid = uniqueLid();
    await putAlias(second.chatId, lid);

    const response = await putAlias(first.chatId, second.chatId);
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: first.chatId, client_id: client.id, aliases: [second.chatId, lid].sort() },
    });
    expect(await conversationRows(first.chatId, second.chatId)).toHaveLength(1);
  });

  it("answers 409 for an id of another client's conversation, and changes nothing", async () => {
    const mine = await seedLinkedChat();
    const theirs = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(theirs.chatId, lid);
    await lookup(lid, reader);

    for (const alias of [theirs.chatId, lid]) {
      const response = await putAlias(mine.chatId, alias);
      expect(response.status).toBe(409);
      expect(await response.json()).toEqual({ error: "Chat ID belongs to another client" });
    }
    expect(await storedIds(mine.chatId)).toEqual([mine.chatId]);
    expect(await storedIds(theirs.chatId)).toEqual([theirs.chatId, lid].sort());
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record: theirs.record });
    useWorker({ vars: { MEMORY_CACHE_TTL_MS: "0" } });
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record: theirs.record });
  });

  it("answers 404 Conversation not found when no conversation has the chat id, and writes nothing", async () => {
    const lid = uniqueLid();
    const response = await putAlias(uniqueChatId(), lid);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Conversation not found" });
    expect(await (await lookup(lid, reader)).json()).toEqual({ error: "Conversation not found" });
  });

  it.each([
    ["a group", "120363025246125888@g.us"],
    ["a broadcast list", "1234567890@broadcast"],
    ["the status broadcast", "status@broadcast"],
    ["a newsletter", "120363025246125888@newsletter"],
    ["an old group id", "4915112345678-1612345678@c.us"],
    ["not an id at all", "hello"],
  ])("answers 400 Invalid alias for %s", async (_, alias) => {
    const { chatId } = await seedLinkedChat();
    const response = await putAlias(chatId, encodeURIComponent(alias));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid alias" });
    expect(await storedIds(chatId)).toEqual([chatId]);
  });

  it("answers 400 Invalid chat ID for a chat id that is not one", async () => {
    const response = await putAlias("hello", uniqueLid());
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid chat ID" });
  });

  it("keeps concurrent lookups of the new alias from caching the answer they read before it", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    const api = useWorker({});
    const held = holdNextStatement((sql) => sql.startsWith("select") && sql.includes('"chat_ids"'));
    const before = api.send(...lookupRequest(lid, reader));
    await held.reached;
    expect((await putAlias(chatId, lid)).status).toBe(200);
    held.release();
    expect(await (await before.response).json()).toEqual({ error: "Conversation not found" });
    await before.settled;
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record });
  });
});

describe("DELETE /api/conversations/{chatId}/aliases/{alias}", () => {
  it("removes an alias: that id answers Conversation not found at once, the others still answer", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    expect((await lookup(lid, reader)).status).toBe(200);

    const response = await deleteAlias(chatId, lid);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    expect(await (await lookup(lid, reader)).json()).toEqual({ error: "Conversation not found" });
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record });
    expect(await env.CACHE.get(await lookupCacheKey(lid))).toBeNull();
    expect(await storedIds(chatId)).toEqual([chatId]);
  });

  it("answers 404 Alias not found for an id that is not one of the conversation's ids", async () => {
    const { chatId } = await seedLinkedChat();
    const other = await seedLinkedChat();
    for (const alias of [uniqueLid(), other.chatId]) {
      const response = await deleteAlias(chatId, alias);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "Alias not found" });
    }
    expect(await storedIds(chatId)).toEqual([chatId]);
    expect(await storedIds(other.chatId)).toEqual([other.chatId]);
  });

  it("answers 404 Conversation not found when no conversation has the chat id", async () => {
    const response = await deleteAlias(uniqueChatId(), uniqueLid());
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Conversation not found" });
  });
});

describe("any id of a conversation addresses it", () => {
  it("GET /api/conversations/{alias} answers the conversation, and 404 for an unknown id", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    const response = await request(`/api/conversations/${lid}`, {
      headers: { Authorization: `Bearer ${writer}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: chatId, client_id: record.id, aliases: [lid] },
    });
    const unknown = await request(`/api/conversations/${uniqueLid()}`, {
      headers: { Authorization: `Bearer ${writer}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "Conversation not found" });
  });

  it("GET /api/conversations/{chatId} needs clients:write", async () => {
    const { chatId } = await seedLinkedChat();
    const response = await request(`/api/conversations/${chatId}`, {
      headers: { Authorization: `Bearer ${reader}` },
    });
    expect(response.status).toBe(403);
  });

  it("PUT /api/conversations/{alias} links the whole conversation: every id answers at once", async () => {
    const { chatId } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    await lookup(chatId, reader);
    const other = await seedClient();

    const response = await write("PUT", `/api/conversations/${lid}`, writer, { client_id: other.id });
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: chatId, client_id: other.id, aliases: [lid] },
    });
    const moved = { success: true, record: { id: other.id, session_id: other.sessionId } };
    expect(await (await lookup(chatId, reader)).json()).toEqual(moved);
    expect(await (await lookup(lid, reader)).json()).toEqual(moved);
    expect(await conversationRows(lid)).toEqual([]);
  });

  it("DELETE /api/conversations/{chatId} deletes the conversation: every id answers Conversation not found", async () => {
    const { chatId } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    await lookup(chatId, reader);
    await lookup(lid, reader);

    expect((await write("DELETE", `/api/conversations/${chatId}`, writer)).status).toBe(200);
    for (const id of [chatId, lid]) {
      expect(await (await lookup(id, reader)).json()).toEqual({ error: "Conversation not found" });
      expect(await env.CACHE.get(await lookupCacheKey(id))).toBeNull();
    }
    expect(await storedIds(chatId)).toEqual([]);
  });

  it("DELETE /api/conversations/{alias} answers 409 and deletes nothing: a delete names what it destroys", async () => {
    const { chatId, record } = await seedLinkedChat();
    // A chat stored without a client, then merged into a linked one: its id is now an alias.
    const lid = uniqueLid();
    await seedConversation({ chatId: lid, clientId: null });
    expect((await putAlias(chatId, lid)).status).toBe(200);
    await lookup(lid, reader);

    const response = await write("DELETE", `/api/conversations/${lid}`, writer);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: "Delete a conversation by its chat ID" });
    expect(await storedIds(chatId)).toEqual([chatId, lid].sort());
    expect(await conversationRows(chatId)).toEqual([{ chat_id: chatId, client_id: record.id }]);
    for (const id of [chatId, lid]) {
      expect(await (await lookup(id, reader)).json()).toEqual({ success: true, record });
    }
  });
});

describe("writes to a client keep every id of its conversations true", () => {
  it("a session change answers the new session at once for a cached alias, in memory and KV", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    expect((await lookup(lid, reader)).status).toBe(200);

    await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "moved" });
    const moved = { id: record.id, session_id: "moved" };
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record: moved });
    expect(await env.CACHE.get(await lookupCacheKey(lid), "json")).toEqual(moved);
  });

  it("a client's deletion answers Client not found at once for a cached alias", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    expect((await lookup(lid, reader)).status).toBe(200);
    await write("DELETE", `/api/clients/${record.id}`, writer);
    expect(await (await lookup(lid, reader)).json()).toEqual({ error: "Client not found" });
  });
});

describe("session-limited tokens and aliases", () => {
  it("see an alias of their session's client, and an alias of another session's as an unknown chat", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    const mine = await seedToken({ sessions: [record.session_id] });
    const other = await seedToken({ sessions: ["another-session"] });
    expect(await (await lookup(lid, mine)).json()).toEqual({ success: true, record });
    const hidden = await lookup(lid, other);
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toEqual({ error: "Conversation not found" });
  });
});

describe("the schema", () => {
  it("refuses an id in two conversations, whichever way it is written", async () => {
    const first = await seedConversation({ clientId: null });
    const second = await seedConversation({ clientId: null });
    const second_id = (
      await env.DB.prepare("SELECT id FROM conversation WHERE chat_id = ?").bind(second.chatId).first<{
        id: string;
      }>()
    )?.id;
    await expect(
      env.DB.prepare("INSERT INTO chat_ids (chat_id, conversation_id) VALUES (?, ?)")
        .bind(first.chatId, second_id)
        .run(),
    ).rejects.toThrow(/UNIQUE constraint failed/);
    const lid = uniqueLid();
    await putAlias(first.chatId, lid);
    await expect(
      env.DB.prepare("INSERT INTO conversation (id, chat_id) VALUES (?, ?)")
        .bind(crypto.randomUUID(), lid)
        .run(),
    ).rejects.toThrow(/UNIQUE constraint failed/);
  });
});
