/**
 * Scope `aliases:write`, a bot's token: `PUT /api/conversations/{chatId}/aliases/{alias}` with the
 * outcomes `clients:write` gets, and no other write.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  lookup,
  request,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  uniqueBsuid,
  uniqueLid,
  write,
} from "../helpers";

let bot: string;
let reader: string;
beforeAll(async () => {
  bot = await seedToken({ scopes: ["clients:read", "aliases:write"] });
  reader = await seedToken({ scopes: ["clients:read"] });
});

const putAlias = (chatId: string, alias: string, token = bot) =>
  write(
    "PUT",
    `/api/conversations/${encodeURIComponent(chatId)}/aliases/${encodeURIComponent(alias)}`,
    token,
  );

async function conversationsOf(...chatIds: string[]) {
  const { results } = await env.DB.prepare(
    `SELECT i.chat_id, c.chat_id AS own, c.client_id FROM chat_ids i JOIN conversation c ON c.id = i.conversation_id WHERE i.chat_id IN (${chatIds.map(() => "?").join(",")}) ORDER BY i.chat_id`,
  )
    .bind(...chatIds)
    .all();
  return results;
}

describe("a token with aliases:write", () => {
  it("adds a person's other id: the lookup by it answers the client", async () => {
    const { chatId, record } = await seedLinkedChat();
    const bsuid = uniqueBsuid();
    const response = await putAlias(chatId, bsuid);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: chatId, client_id: record.id, aliases: [bsuid] },
    });
    expect(await (await lookup(bsuid, reader)).json()).toEqual({ success: true, record });
  });

  it("merges a conversation without a client into a linked one, as clients:write would", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await seedConversation({ chatId: lid, clientId: null });
    const response = await putAlias(lid, chatId);
    expect(await response.json()).toEqual({
      success: true,
      record: { chat_id: lid, client_id: record.id, aliases: [chatId] },
    });
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record });
  });

  it("answers the same 409 as clients:write for a chat of another client: it never moves a chat", async () => {
    const mine = await seedLinkedChat();
    const theirs = await seedLinkedChat();
    const before = await conversationsOf(mine.chatId, theirs.chatId);
    const response = await putAlias(mine.chatId, theirs.chatId);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: "Chat ID belongs to another client" });
    expect(await conversationsOf(mine.chatId, theirs.chatId)).toEqual(before);
  });

  it("answers 403 naming clients:write for every other write, and changes nothing", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await putAlias(chatId, lid);
    const other = await seedClient();
    const before = await conversationsOf(chatId, lid);
    const calls: [string, string, unknown?][] = [
      ["PUT", `/api/clients/${record.id}`, { session_id: "elsewhere" }],
      ["DELETE", `/api/clients/${record.id}`],
      ["PUT", `/api/conversations/${chatId}`, { client_id: other.id }],
      ["DELETE", `/api/conversations/${chatId}`],
      ["DELETE", `/api/conversations/${chatId}/aliases/${lid}`],
      ["GET", `/api/conversations/${chatId}`],
    ];
    for (const [method, path, body] of calls) {
      const response = await request(path, {
        method,
        headers: { Authorization: `Bearer ${bot}`, "Content-Type": "application/json" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "clients:write" });
    }
    expect(await conversationsOf(chatId, lid)).toEqual(before);
    expect(await (await lookup(lid, reader)).json()).toEqual({ success: true, record });
  });
});

describe("who else may add an id", () => {
  it("a clients:write token, which includes aliases:write", async () => {
    const writer = await seedToken({ scopes: ["clients:write"] });
    const { chatId } = await seedLinkedChat();
    expect((await putAlias(chatId, uniqueLid(), writer)).status).toBe(200);
  });

  it.each([
    ["a token with clients:read only", { scopes: ["clients:read"] as const }],
    ["a session-limited aliases:write token", { scopes: ["aliases:write"] as const, sessions: ["s1"] }],
  ])("not %s: 403 naming aliases:write", async (_, fields) => {
    const token = await seedToken({ ...fields, scopes: [...fields.scopes] });
    const { chatId } = await seedLinkedChat({ sessionId: "s1" });
    const lid = uniqueLid();
    const response = await putAlias(chatId, lid, token);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "aliases:write" });
    expect(await conversationsOf(lid)).toEqual([]);
  });
});
