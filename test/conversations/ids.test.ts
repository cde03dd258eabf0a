/**
 * "Ids from every WhatsApp stack": Cloud API numbers, hosted devices and business-scoped user ids
 * in writes and aliases; removing any id of a conversation, its own chat id included; only a
 * person's conversation has aliases.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  lookup,
  lookupCacheKey,
  request,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  uniqueBsuid,
  uniqueChatId,
  uniqueLid,
  uniqueWaId,
  useWorker,
  write,
} from "../helpers";

let writer: string;
let reader: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["clients:read", "clients:write"] });
  reader = await seedToken({ scopes: ["clients:read"] });
});

const path = (id: string) => encodeURIComponent(id);
const putAlias = (chatId: string, alias: string) =>
  write("PUT", `/api/conversations/${path(chatId)}/aliases/${path(alias)}`, writer);
const deleteAlias = (chatId: string, alias: string) =>
  write("DELETE", `/api/conversations/${path(chatId)}/aliases/${path(alias)}`, writer);

async function readConversation(id: string) {
  const response = await request(`/api/conversations/${path(id)}`, {
    headers: { Authorization: `Bearer ${writer}` },
  });
  return { status: response.status, body: await response.json() };
}

/** Every id of the conversation whose own chat id is `chatId`, as stored, sorted. */
async function storedIds(chatId: string) {
  const { results } = await env.DB.prepare(
    "SELECT i.chat_id FROM chat_ids i JOIN conversation c ON c.id = i.conversation_id WHERE c.chat_id = ? ORDER BY i.chat_id",
  )
    .bind(chatId)
    .all<{ chat_id: string }>();
  return results.map((row) => row.chat_id);
}

describe("ids of every stack in writes", () => {
  it("stores a conversation written by wa_id under N@c.us: every spelling of the number finds it", async () => {
    const client = await seedClient();
    const waId = uniqueWaId();
    const response = await write("PUT", `/api/conversations/${path(`+${waId}`)}`, writer, {
      client_id: client.id,
    });
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: `${waId}@c.us`, client_id: client.id, aliases: [] },
    });
    const record = { id: client.id, session_id: client.sessionId };
    for (const spelling of [
      waId,
      `+${waId}`,
      `${waId}@s.whatsapp.net`,
      `${waId}:99@hosted`,
      `${waId}.0:3@c.us`,
    ]) {
      expect(await (await lookup(spelling, reader)).json(), spelling).toEqual({ success: true, record });
    }
  });

  it("stores a business-scoped user id exactly as given, as a chat id or an alias; another case is another id", async () => {
    const client = await seedClient();
    const bsuid = uniqueBsuid();
    const response = await write("PUT", `/api/conversations/${path(bsuid)}`, writer, {
      client_id: client.id,
    });
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: bsuid, client_id: client.id, aliases: [] },
    });
    const parent = `US.ENT.${bsuid.slice(3)}`;
    const lid = uniqueLid();
    await putAlias(bsuid, lid.replace("@lid", ":99@hosted.lid"));
    expect(await (await putAlias(bsuid, parent)).json()).toEqual({
      success: true,
      record: { chat_id: bsuid, client_id: client.id, aliases: [parent, lid].sort() },
    });
    const record = { id: client.id, session_id: client.sessionId };
    for (const id of [bsuid, parent, lid]) {
      expect(await (await lookup(id, reader)).json(), id).toEqual({ success: true, record });
    }
    expect(await (await lookup(bsuid.toLowerCase(), reader)).json()).toEqual({ error: "Invalid chat ID" });
    const otherCase = `US.${bsuid.slice(3).toUpperCase()}`;
    expect(await (await lookup(otherCase, reader)).json()).toEqual({ error: "Conversation not found" });
  });

  it("answers 400 Invalid chat ID for ids of other WhatsApp servers, and for usernames", async () => {
    for (const id of [
      "16505551234@bot",
      "16505551234@msgr",
      "16505551234@interop",
      "@maria.lopez",
      "maria.lopez",
    ]) {
      const response = await write("PUT", `/api/conversations/${path(id)}`, writer, { client_id: null });
      expect(await response.json(), id).toEqual({ error: "Invalid chat ID" });
    }
  });
});

describe("removing any id of a conversation", () => {
  it("removes the conversation's own chat id while another remains: the removed id is unknown, the others answer", async () => {
    useWorker({ vars: { MEMORY_CACHE_TTL_MS: "60000" } });
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    const bsuid = uniqueBsuid();
    await putAlias(chatId, lid);
    await putAlias(chatId, bsuid);
    // Every id answered once: each is in memory and in KV.
    for (const id of [chatId, lid, bsuid]) expect((await lookup(id, reader)).status).toBe(200);

    const response = await deleteAlias(lid, chatId);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    expect(response.headers.get("x-d1-bookmark")).toBeTruthy();

    expect(await readConversation(bsuid)).toEqual({
      status: 200,
      body: { success: true, record: { chat_id: lid, client_id: record.id, aliases: [bsuid] } },
    });
    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Conversation not found" });
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
    for (const id of [lid, bsuid]) {
      expect(await (await lookup(id, reader)).json(), id).toEqual({ success: true, record });
      expect(await env.CACHE.get(await lookupCacheKey(id), "json"), id).toEqual(record);
    }
  });

  it("keeps every id's cached answer true when the renamed conversation is then relinked or deleted", async () => {
    useWorker({ vars: { MEMORY_CACHE_TTL_MS: "60000" } });
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    await deleteAlias(chatId, chatId);
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record });

    const other = await seedClient();
    await write("PUT", `/api/conversations/${path(lid)}`, writer, { client_id: other.id });
    const moved = { id: other.id, session_id: other.sessionId };
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record: moved });
    expect(await env.CACHE.get(await lookupCacheKey(lid), "json")).toEqual(moved);

    expect((await write("DELETE", `/api/conversations/${path(lid)}`, writer)).status).toBe(200);
    for (const id of [chatId, lid]) {
      expect(await (await lookup(id, reader)).json(), id).toEqual({ error: "Conversation not found" });
    }
    expect(await env.CACHE.get(await lookupCacheKey(lid))).toBeNull();
  });

  it("picks the new chat id: a phone-number id, else a LID, else a BSUID, the earliest added within a kind", async () => {
    const { chatId, record } = await seedLinkedChat();
    // Added in this order; within each kind the later one sorts first, so that only the order
    // of addition can pick the earlier.
    const bsuidFirst = "ZZ.zz9";
    const bsuidSecond = "AA.aa1";
    const lidFirst = `9${uniqueLid()}`;
    const lidSecond = `1${uniqueLid()}`;
    const phoneLast = uniqueChatId();
    for (const id of [bsuidFirst, bsuidSecond, lidFirst, lidSecond, phoneLast]) {
      expect((await putAlias(chatId, id)).status, id).toBe(200);
    }
    const chatIdAfter = async (removed: string, from: string) => {
      expect((await deleteAlias(from, removed)).status, removed).toBe(200);
      const { body } = await readConversation(from === removed ? phoneLast : from);
      return (body as { record: { chat_id: string } }).record.chat_id;
    };
    expect(await chatIdAfter(chatId, phoneLast)).toBe(phoneLast);
    expect(await chatIdAfter(phoneLast, lidSecond)).toBe(lidFirst);
    expect(await chatIdAfter(lidFirst, lidSecond)).toBe(lidSecond);
    expect(await chatIdAfter(lidSecond, bsuidSecond)).toBe(bsuidFirst);
    expect(await chatIdAfter(bsuidFirst, bsuidSecond)).toBe(bsuidSecond);
    expect(await storedIds(bsuidSecond)).toEqual([bsuidSecond]);
    expect(await (await lookup(bsuidSecond, reader)).json()).toEqual({ success: true, record });
  });

  it("answers 409 for the conversation's last id, and changes nothing", async () => {
    const { chatId, record } = await seedLinkedChat();
    await lookup(chatId, reader);
    const response = await deleteAlias(chatId, chatId);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: "A conversation keeps at least one id" });
    expect(await storedIds(chatId)).toEqual([chatId]);
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record });
  });

  it("a person who changed number: add the new id, remove the old, and the lookup answers the same client", async () => {
    const { chatId, record } = await seedLinkedChat();
    const newNumber = uniqueWaId();
    expect((await putAlias(chatId, newNumber)).status).toBe(200);
    expect((await deleteAlias(newNumber, chatId)).status).toBe(200);
    expect(await (await lookup(newNumber, reader)).json()).toEqual({ success: true, record });
    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Conversation not found" });
    expect(await readConversation(newNumber)).toEqual({
      status: 200,
      body: { success: true, record: { chat_id: `${newNumber}@c.us`, client_id: record.id, aliases: [] } },
    });
  });
});

describe("only a person's conversation has aliases", () => {
  it.each([
    ["a group", "120363025246125888@g.us"],
    ["a broadcast list", "1234567890@broadcast"],
    ["a newsletter", "120363123456789012@newsletter"],
  ])("answers 400 Invalid alias for an alias of %s, and stores nothing", async (_, groupId) => {
    const client = await seedClient();
    await seedConversation({ chatId: groupId, clientId: client.id });
    const lid = uniqueLid();
    const response = await putAlias(groupId, lid);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid alias" });
    expect(await storedIds(groupId)).toEqual([groupId]);
    expect(await (await lookup(lid, reader)).json()).toEqual({ error: "Conversation not found" });
  });

  it("refuses aliases for a group that an older version gave one, and a merge of it into a person's", async () => {
    const client = await seedClient();
    const group = await seedConversation({ chatId: "120363099999999999@g.us", clientId: client.id });
    const lid = uniqueLid();
    await env.DB.prepare("INSERT INTO chat_ids (chat_id, conversation_id) VALUES (?, ?)")
      .bind(lid, group.id)
      .run();
    const person = await seedLinkedChat();

    for (const [chatId, alias] of [
      [lid, uniqueChatId()],
      [person.chatId, lid],
    ] as const) {
      const response = await putAlias(chatId, alias);
      expect(response.status, `${chatId} ${alias}`).toBe(400);
      expect(await response.json()).toEqual({ error: "Invalid alias" });
    }
    expect(await storedIds(group.chatId)).toEqual([group.chatId, lid].sort());
    expect(await storedIds(person.chatId)).toEqual([person.chatId]);
    // Its stray alias can still be removed.
    expect((await deleteAlias(lid, lid)).status).toBe(200);
    expect(await storedIds(group.chatId)).toEqual([group.chatId]);
  });
});
