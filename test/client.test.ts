import { beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/client";
import { BASE_URL, seedConversation, seedLinkedChat, seedToken, uniqueChatId, worker } from "./helpers";

// The typed client, talking to the test's Worker through its own fetch handler.
const workerFetch: typeof fetch = (input, init) => {
  const request = new Request(input, init);
  return worker().fetch(request.url.slice(BASE_URL.length), request);
};

let token: string;
beforeAll(async () => {
  token = await seedToken();
});

describe("createClient().getClientSession", () => {
  it("answers the session and client of a chat", async () => {
    const { chatId, record } = await seedLinkedChat();
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    expect(await client.getClientSession(chatId)).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: record.session_id,
    });
  });

  it("answers a typed error for an unknown chat", async () => {
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    expect(await client.getClientSession(uniqueChatId())).toEqual({
      ok: false,
      status: 404,
      error: "Conversation not found",
    });
  });

  it("answers a typed error for a chat without a client", async () => {
    const chat = await seedConversation({ clientId: null });
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    expect(await client.getClientSession(chat.chatId)).toEqual({
      ok: false,
      status: 404,
      error: "Client not found",
    });
  });

  it("answers a typed error for an invalid chat id, and for a bad token", async () => {
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    expect(await client.getClientSession("not a chat")).toEqual({
      ok: false,
      status: 400,
      error: "Invalid chat ID",
    });
    const stranger = createClient({ baseUrl: BASE_URL, token: "csl_nobody", fetch: workerFetch });
    expect(await stranger.getClientSession("123@c.us")).toEqual({
      ok: false,
      status: 401,
      error: "Unauthorized",
    });
  });

  it("encodes the chat id, so any spelling reaches the server intact", async () => {
    const { chatId, record } = await seedLinkedChat();
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    const result = await client.getClientSession(chatId.replace("@c.us", ":12@s.whatsapp.net"));
    expect(result).toEqual({ ok: true, clientId: record.id, sessionId: record.session_id });
  });

  it("answers Network error, without throwing, when no answer arrives", async () => {
    const failing: typeof fetch = () => Promise.reject(new TypeError("fetch failed"));
    const client = createClient({ baseUrl: BASE_URL, token, fetch: failing });
    expect(await client.getClientSession("123@c.us")).toEqual({
      ok: false,
      status: 0,
      error: "Network error",
    });
  });

  it("gives up after timeoutMs and answers Network error, without throwing", async () => {
    let signal: AbortSignal | undefined;
    const silent: typeof fetch = (input, init) =>
      new Promise((_, reject) => {
        signal = init?.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined;
        signal?.addEventListener("abort", () => reject(signal?.reason));
      });
    const client = createClient({ baseUrl: BASE_URL, token, fetch: silent, timeoutMs: 20 });
    expect(await client.getClientSession("123@c.us")).toEqual({
      ok: false,
      status: 0,
      error: "Network error",
    });
    expect(signal?.aborted).toBe(true);
  });

  it("answers by alt when the chat id is unknown, and keeps a person's ids with the alias methods", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueChatId().replace("@c.us", "5@lid");
    const client = createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
    expect(await client.getClientSession(lid, { alt: chatId })).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: record.session_id,
    });

    const writer = createClient({
      baseUrl: BASE_URL,
      token: await seedToken({ scopes: ["clients:write"] }),
      fetch: workerFetch,
    });
    expect(await writer.addAlias(chatId, lid)).toEqual({
      ok: true,
      chatId,
      clientId: record.id,
      aliases: [lid],
    });
    expect(await writer.getConversation(lid)).toEqual({
      ok: true,
      chatId,
      clientId: record.id,
      aliases: [lid],
    });
    expect(await client.getClientSession(lid)).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: record.session_id,
    });
    expect(await writer.addAlias(chatId, "120363025246125888@g.us")).toEqual({
      ok: false,
      status: 400,
      error: "Invalid alias",
    });
    expect(await writer.removeAlias(chatId, lid)).toEqual({ ok: true });
    expect(await writer.removeAlias(chatId, lid)).toEqual({
      ok: false,
      status: 404,
      error: "Alias not found",
    });
  });
});
