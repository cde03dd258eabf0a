import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  lookupCacheKey,
  request,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  tierOf,
  uniqueChatId,
  uniqueLid,
  useWorker,
  watchD1,
  write,
} from "../helpers";

let token: string;
let writer: string;
beforeAll(async () => {
  token = await seedToken();
  writer = await seedToken({ scopes: ["clients:write"] });
});

function lookupWithAlt(chatId: string, alt: string, as = token) {
  return request(`/api/clients/view?chatId=${encodeURIComponent(chatId)}&alt=${encodeURIComponent(alt)}`, {
    headers: { Authorization: `Bearer ${as}` },
  });
}

describe("GET /api/clients/view with alt", () => {
  it("answers by alt when only alt is known", async () => {
    const { chatId, record } = await seedLinkedChat();
    const response = await lookupWithAlt(uniqueLid(), chatId);
    expect(await response.json()).toEqual({ success: true, record });
  });

  it("answers by chatId first when both have a client", async () => {
    const first = await seedLinkedChat();
    const second = await seedLinkedChat();
    expect(await (await lookupWithAlt(first.chatId, second.chatId)).json()).toEqual({
      success: true,
      record: first.record,
    });
    expect(await (await lookupWithAlt(second.chatId, first.chatId)).json()).toEqual({
      success: true,
      record: second.record,
    });
  });

  it("answers by alt when chatId's conversation has no client", async () => {
    const lid = uniqueLid();
    await seedConversation({ chatId: lid, clientId: null });
    const { chatId, record } = await seedLinkedChat();
    expect(await (await lookupWithAlt(lid, chatId)).json()).toEqual({ success: true, record });
  });

  it("answers Client not found when a conversation exists but neither has a client", async () => {
    const lid = uniqueLid();
    await seedConversation({ chatId: lid, clientId: null });
    for (const [chatId, alt] of [
      [lid, uniqueChatId()],
      [uniqueChatId(), lid],
    ] as const) {
      const response = await lookupWithAlt(chatId, alt);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "Client not found" });
    }
  });

  it("answers Conversation not found when neither id names a conversation", async () => {
    const response = await lookupWithAlt(uniqueChatId(), uniqueLid());
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Conversation not found" });
  });

  it("answers one D1 query and one KV read for two ids that miss the caches, and no storage once both are remembered", async () => {
    useWorker({ vars: { MEMORY_CACHE_TTL_MS: "5000" } });
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    const statements = watchD1();
    const kvGet = vi.spyOn(env.CACHE, "get");
    expect(await (await lookupWithAlt(lid, chatId)).json()).toEqual({ success: true, record });
    expect(statements.filter((sql) => sql.includes('"chat_ids"'))).toHaveLength(1);
    expect(kvGet).toHaveBeenCalledTimes(1);
    expect(kvGet.mock.calls[0]?.[0]).toEqual([await lookupCacheKey(lid), await lookupCacheKey(chatId)]);

    statements.length = 0;
    kvGet.mockClear();
    const hot = await lookupWithAlt(lid, chatId);
    expect(await hot.json()).toEqual({ success: true, record });
    expect(tierOf(hot)).toBe("memory");
    expect(statements).toEqual([]);
    expect(kvGet).not.toHaveBeenCalled();
  });

  it("never registers an alias: a lookup only reads", async () => {
    const { chatId } = await seedLinkedChat();
    const lid = uniqueLid();
    await lookupWithAlt(lid, chatId);
    const conversation = await request(`/api/conversations/${chatId}`, {
      headers: { Authorization: `Bearer ${writer}` },
    });
    expect(((await conversation.json()) as { record: { aliases: string[] } }).record.aliases).toEqual([]);
  });

  it("shows a session-limited token a hidden chatId as unknown, and answers by a visible alt", async () => {
    const hidden = await seedLinkedChat();
    const visible = await seedLinkedChat();
    const limited = await seedToken({ sessions: [visible.record.session_id] });
    expect(await (await lookupWithAlt(hidden.chatId, visible.chatId, limited)).json()).toEqual({
      success: true,
      record: visible.record,
    });
    const none = await lookupWithAlt(hidden.chatId, uniqueLid(), limited);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: "Conversation not found" });
  });

  it("ignores an empty alt", async () => {
    const { chatId, record } = await seedLinkedChat();
    expect(await (await lookupWithAlt(chatId, "")).json()).toEqual({ success: true, record });
    expect(await (await lookupWithAlt(chatId, "  ")).json()).toEqual({ success: true, record });
  });

  it.each([
    ["not a chat id", "alt=hello"],
    ["over 160 characters", `alt=${"1".repeat(160)}@c.us`],
    ["given twice", "alt=1@lid&alt=2@lid"],
    ["with a control character", "alt=1%00@lid"],
  ])("answers 400 Invalid chat ID for an alt %s", async (_, query) => {
    const { chatId } = await seedLinkedChat();
    const response = await request(`/api/clients/view?chatId=${chatId}&${query}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid chat ID" });
  });
});

describe("alt is the other id of the same person", () => {
  it.each([
    ["a group as alt", "PERSON", "120363025246125888@g.us"],
    ["a group as chatId", "120363025246125888@g.us", "PERSON"],
    ["an old group id as alt", "PERSON", "4915112345678-1612345678@g.us"],
    ["a broadcast list as alt", "PERSON", "1234567890@broadcast"],
    ["the status broadcast as chatId", "status@broadcast", "PERSON"],
    ["a newsletter as alt", "PERSON", "120363123456789012@newsletter"],
  ])("answers 400 Invalid alt for %s, even when the other id is found", async (_, chatId, alt) => {
    const person = await seedLinkedChat();
    const group = await seedLinkedChat();
    const groupId = chatId === "PERSON" ? alt : chatId;
    await write("PUT", `/api/conversations/${encodeURIComponent(groupId)}`, writer, {
      client_id: group.record.id,
    });
    const fill = (id: string) => (id === "PERSON" ? person.chatId : id);
    const response = await lookupWithAlt(fill(chatId), fill(alt));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid alt" });
    // Alone, each answers its own client.
    const single = await request(`/api/clients/view?chatId=${encodeURIComponent(groupId)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(await single.json()).toEqual({ success: true, record: group.record });
  });

  it("answers Invalid chat ID before Invalid alt: a malformed id is named first", async () => {
    const response = await lookupWithAlt("hello", "120363025246125888@g.us");
    expect(await response.json()).toEqual({ error: "Invalid chat ID" });
  });

  it("accepts every person's id on both sides: a wa_id with its BSUID, a hosted LID with a phone id", async () => {
    const client = await seedClient();
    const bsuid = "US.13491208655302741918";
    await seedConversation({ chatId: bsuid, clientId: client.id });
    const record = { id: client.id, session_id: client.sessionId };
    for (const [chatId, alt] of [
      ["16505551234", bsuid],
      ["+16505551234", bsuid],
      [bsuid, "16505551234@s.whatsapp.net"],
      ["98765432109876:99@hosted.lid", bsuid],
    ] as const) {
      expect(await (await lookupWithAlt(chatId, alt)).json(), `${chatId} ${alt}`).toEqual({
        success: true,
        record,
      });
    }
  });
});

describe("a bot's story, with a LID", () => {
  it("a reaction with only the LID, then a message with both ids, then lookups by either", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    // A reaction arrives with only the LID: unknown yet.
    expect(
      await (
        await request(`/api/clients/view?chatId=${lid}`, { headers: { Authorization: `Bearer ${token}` } })
      ).json(),
    ).toEqual({
      error: "Conversation not found",
    });
    // A message arrives with the LID and the phone number: the lookup answers by alt, and the
    // bot registers the LID.
    expect(await (await lookupWithAlt(lid, chatId)).json()).toEqual({ success: true, record });
    expect((await write("PUT", `/api/conversations/${chatId}/aliases/${lid}`, writer)).status).toBe(200);
    // From now on either id answers alone.
    for (const id of [lid, chatId]) {
      const response = await request(`/api/clients/view?chatId=${id}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(await response.json()).toEqual({ success: true, record });
    }
  });
});
