import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  lookup,
  lookupCacheKey,
  request,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  uniqueChatId,
  uniqueId,
  write,
} from "../helpers";

let writer: string;
let reader: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["clients:read", "clients:write"] });
  reader = await seedToken({ scopes: ["clients:read"] });
});

async function storedConversations(number: string) {
  const { results } = await env.DB.prepare("SELECT chat_id, client_id FROM conversation WHERE chat_id LIKE ?")
    .bind(`${number}%`)
    .all();
  return results;
}

describe("PUT /api/conversations/{chatId}", () => {
  it("creates a conversation linked to a client, and the lookup finds it", async () => {
    const client = await seedClient();
    const chatId = uniqueChatId();
    const response = await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: client.id });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-d1-bookmark")).toBeTruthy();
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: chatId, client_id: client.id, aliases: [] },
    });
    expect(await (await lookup(chatId, reader)).json()).toEqual({
      success: true,
      record: { id: client.id, session_id: client.sessionId },
    });
  });

  it("stores the canonical chat id, so Baileys and whatsapp-web.js spellings share one row", async () => {
    const client = await seedClient();
    const number = uniqueChatId().replace("@c.us", "");
    const response = await write("PUT", `/api/conversations/${number}:7@s.whatsapp.net`, writer, {
      client_id: client.id,
    });
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: `${number}@c.us`, client_id: client.id, aliases: [] },
    });
    await write("PUT", `/api/conversations/${number}@c.us`, writer, { client_id: client.id });
    expect(await storedConversations(number)).toEqual([{ chat_id: `${number}@c.us`, client_id: client.id }]);
    expect((await lookup(`${number}@s.whatsapp.net`, reader)).status).toBe(200);
    expect((await lookup(`${number}@c.us`, reader)).status).toBe(200);
  });

  it("moves a cached conversation to another client, answered at once", async () => {
    const { chatId } = await seedLinkedChat();
    expect((await lookup(chatId, reader)).status).toBe(200);
    const other = await seedClient();

    await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: other.id });

    const expected = { id: other.id, session_id: other.sessionId };
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record: expected });
    expect(await env.CACHE.get(await lookupCacheKey(chatId), "json")).toEqual(expected);
  });

  it("unlinks a conversation with client_id null: the lookup answers Client not found at once", async () => {
    const { chatId } = await seedLinkedChat();
    expect((await lookup(chatId, reader)).status).toBe(200);
    const response = await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: null });
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: chatId, client_id: null, aliases: [] },
    });
    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Client not found" });
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });

  it("links a chat that was just answered Conversation not found: the remembered miss is dropped", async () => {
    const chatId = uniqueChatId();
    expect((await lookup(chatId, reader)).status).toBe(404);
    const client = await seedClient();
    await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: client.id });
    expect((await lookup(chatId, reader)).status).toBe(200);
  });

  it("answers 404 Client not found for a client that does not exist, and writes nothing", async () => {
    const chatId = uniqueChatId();
    const response = await write("PUT", `/api/conversations/${chatId}`, writer, {
      client_id: uniqueId("nobody"),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Client not found" });
    expect(await storedConversations(chatId.replace("@c.us", ""))).toEqual([]);
  });

  it("keeps an existing link when asked to link to a client that does not exist", async () => {
    const { chatId, record } = await seedLinkedChat();
    const response = await write("PUT", `/api/conversations/${chatId}`, writer, {
      client_id: uniqueId("nobody"),
    });
    expect(response.status).toBe(404);
    expect(await (await lookup(chatId, reader)).json()).toEqual({ success: true, record });
  });

  it.each([
    ["malformed JSON", "{"],
    ["no client_id", {}],
    ["a client_id that is a number", { client_id: 7 }],
    ["a field the API does not know", { client_id: null, chat_id: "x" }],
  ])("answers 400 Invalid request body for %s", async (_, body) => {
    const response = await write("PUT", `/api/conversations/${uniqueChatId()}`, writer, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "Invalid request body" });
  });

  it.each(["hello", "123@example.com", "1".repeat(130)])(
    "answers 400 Invalid chat ID for %s",
    async (chatId) => {
      const response = await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: null });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: "Invalid chat ID" });
    },
  );

  it("answers 400 Chat ID is required for a blank chat id, as its OpenAPI entry says", async () => {
    const response = await write("PUT", "/api/conversations/%20", writer, { client_id: null });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Chat ID is required" });
  });

  it("answers 403 to a token without clients:write", async () => {
    const response = await write("PUT", `/api/conversations/${uniqueChatId()}`, reader, { client_id: null });
    expect(response.status).toBe(403);
  });
});

describe("DELETE /api/conversations/{chatId}", () => {
  it("deletes the conversation: the lookup answers Conversation not found at once", async () => {
    const { chatId } = await seedLinkedChat();
    expect((await lookup(chatId, reader)).status).toBe(200);
    const response = await write(
      "DELETE",
      `/api/conversations/${chatId.replace("@c.us", "@s.whatsapp.net")}`,
      writer,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    expect(await (await lookup(chatId, reader)).json()).toEqual({ error: "Conversation not found" });
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });

  it("answers 404 Conversation not found when there is none", async () => {
    const response = await write("DELETE", `/api/conversations/${uniqueChatId()}`, writer);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Conversation not found" });
  });

  it.each(["POST", "PATCH"])(
    "answers %s on a conversation with 405 and Allow: GET, PUT, DELETE",
    async (method) => {
      const chat = await seedConversation({ clientId: null });
      const response = await request(`/api/conversations/${chat.chatId}`, {
        method,
        headers: { Authorization: `Bearer ${writer}` },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("GET, PUT, DELETE");
    },
  );
});

describe("reading your own writes", () => {
  it("reads a write through its bookmark, skipping the caches", async () => {
    const client = await seedClient();
    const chatId = uniqueChatId();
    const written = await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: client.id });
    const bookmark = written.headers.get("x-d1-bookmark") ?? "";
    expect(bookmark).not.toBe("");

    const withSession = vi.spyOn(env.DB, "withSession");
    const response = await request(`/api/clients/view?chatId=${chatId}`, {
      headers: { Authorization: `Bearer ${reader}`, "Cache-Control": "no-cache", "x-d1-bookmark": bookmark },
    });
    expect(await response.json()).toEqual({
      success: true,
      record: { id: client.id, session_id: client.sessionId },
    });
    expect(withSession).toHaveBeenCalledWith(bookmark);
    expect(response.headers.get("x-d1-bookmark")).toBeTruthy();
  });

  it("ignores a malformed bookmark: the read goes to any replica, and answers", async () => {
    const { chatId, record } = await seedLinkedChat();
    const withSession = vi.spyOn(env.DB, "withSession");
    const response = await lookup(chatId, reader, {
      "Cache-Control": "no-cache",
      "x-d1-bookmark": "not a bookmark",
    });
    expect(await response.json()).toEqual({ success: true, record });
    expect(withSession).not.toHaveBeenCalledWith("not a bookmark");
    expect(withSession).toHaveBeenCalledWith("first-unconstrained");
  });

  it.each([
    "abcdef-0123",
    "0",
    "00000000-00000005-00000000",
    "00000000-00000005-00000000-0000000000000000000000000000000g",
  ])("ignores %j, which has the bookmark's alphabet but not D1's format", async (bookmark) => {
    const { chatId } = await seedLinkedChat();
    const withSession = vi.spyOn(env.DB, "withSession");
    const response = await lookup(chatId, reader, { "Cache-Control": "no-cache", "x-d1-bookmark": bookmark });
    expect(response.status).toBe(200);
    expect(withSession).not.toHaveBeenCalledWith(bookmark);
  });

  it("never reads older than a write this instance made, whatever bookmark the caller sends", async () => {
    const client = await seedClient();
    const chatId = uniqueChatId();
    const written = await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: client.id });
    const ours = written.headers.get("x-d1-bookmark") ?? "";
    const older = "00000000-00000000-00000000-00000000000000000000000000000000";
    expect(older < ours).toBe(true);
    const withSession = vi.spyOn(env.DB, "withSession");
    const response = await lookup(chatId, reader, { "Cache-Control": "no-cache", "x-d1-bookmark": older });
    expect(response.status).toBe(200);
    expect(withSession).toHaveBeenCalledWith(ours);
    expect(withSession).not.toHaveBeenCalledWith(older);
  });
});
