import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  lookup,
  request,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  uniqueChatId,
} from "../helpers";

let token: string;
beforeAll(async () => {
  token = await seedToken({ scopes: ["clients:read"] });
});

function expectContractHeaders(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/json");
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(response.headers.get("X-Request-Id")).toMatch(/^[\w-]{8,}$/);
}

describe("GET /api/clients/view", () => {
  it("answers the chat's client and session with exactly the contract's keys", async () => {
    const { chatId, record } = await seedLinkedChat();
    const response = await lookup(chatId, token);
    expect(response.status).toBe(200);
    expectContractHeaders(response);
    expect(await response.text()).toBe(JSON.stringify({ success: true, record }));
  });

  it("answers HEAD as GET, with the status and headers and no body", async () => {
    const { chatId } = await seedLinkedChat();
    const response = await request(`/api/clients/view?chatId=${chatId}`, {
      method: "HEAD",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expectContractHeaders(response);
    expect(await response.text()).toBe("");
  });

  it("finds the same row for the whatsapp-web.js, Baileys and device spellings of a chat", async () => {
    const { chatId, record } = await seedLinkedChat();
    const number = chatId.replace("@c.us", "");
    for (const spelling of [`${number}@c.us`, `${number}@s.whatsapp.net`, `${number}:14@s.whatsapp.net`]) {
      const response = await lookup(spelling, token);
      expect(response.status, spelling).toBe(200);
      expect(await response.json()).toEqual({ success: true, record });
    }
  });

  it("finds group chats by their id as given", async () => {
    const client = await seedClient();
    const chatId = "120363025246125888@g.us";
    await seedConversation({ chatId, clientId: client.id });
    const response = await lookup(chatId, token);
    expect(await response.json()).toEqual({
      success: true,
      record: { id: client.id, session_id: client.sessionId },
    });
  });

  it("answers 404 Conversation not found for a chat no conversation has", async () => {
    const response = await lookup(uniqueChatId(), token);
    expect(response.status).toBe(404);
    expectContractHeaders(response);
    expect(await response.json()).toEqual({ error: "Conversation not found" });
  });

  it("answers 404 Client not found when the conversation has no client", async () => {
    const chat = await seedConversation({ clientId: null });
    const response = await lookup(chat.chatId, token);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Client not found" });
  });

  it("answers 404 Client not found when the conversation's client row is gone", async () => {
    const { chatId, record } = await seedLinkedChat();
    await env.DB.prepare("DELETE FROM clients WHERE id = ?").bind(record.id).run();
    const response = await lookup(chatId, token);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Client not found" });
  });

  it.each([
    ["missing", "/api/clients/view"],
    ["empty", "/api/clients/view?chatId="],
    ["only white space", "/api/clients/view?chatId=%20%20%09"],
  ])("answers 400 Chat ID is required when chatId is %s", async (_, path) => {
    const response = await request(path, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(400);
    expectContractHeaders(response);
    expect(await response.json()).toEqual({ error: "Chat ID is required" });
  });

  it.each([
    ["given twice", "chatId=1@c.us&chatId=2@c.us"],
    ["longer than 160 characters", `chatId=${"1".repeat(156)}@c.us`],
    ["with a control character", "chatId=123%0A456@c.us"],
    ["not of the form user@server", "chatId=hello"],
    ["on another server", "chatId=123@example.com"],
    ["with SQL in it", "chatId=1%27%20OR%20%271%27%3D%271@c.us"],
    ["a path", "chatId=..%2F..%2Fetc%2Fpasswd"],
    ["a lone surrogate", "chatId=%ED%A0%80@c.us"],
    ["far too long for a KV key", `chatId=${"9".repeat(700)}@c.us`],
  ])("answers 400 Invalid chat ID when chatId is %s", async (_, query) => {
    const response = await request(`/api/clients/view?${query}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid chat ID" });
  });

  it("ignores query parameters it does not know", async () => {
    const { chatId, record } = await seedLinkedChat();
    const response = await request(`/api/clients/view?chatId=${chatId}&debug=1`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(await response.json()).toEqual({ success: true, record });
  });

  it.each(["POST", "PUT", "PATCH", "DELETE"])("answers %s with 405 and Allow: GET", async (method) => {
    const response = await request("/api/clients/view?chatId=123456789@c.us", {
      method,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET");
    expectContractHeaders(response);
    expect(await response.json()).toEqual({ error: "Method not allowed" });
  });
});
