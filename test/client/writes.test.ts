/**
 * The client package's writes against the test's Worker: clients, conversations and aliases,
 * each answering its record and bookmark, and the lookups seeing them at once.
 */
import { createClient } from "chat-session-lookup-client";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BASE_URL,
  seedClient,
  seedLinkedChat,
  seedToken,
  uniqueChatId,
  uniqueId,
  uniqueLid,
} from "../helpers";
import { failure, workerFetch } from "../support/client-fetch";

let token: string;
beforeAll(async () => {
  token = await seedToken({ scopes: ["clients:read", "clients:write"] });
});

const client = () => createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
const bookmark = expect.any(String);

describe("putClient and deleteClient", () => {
  it("creates and updates a client, and its chats answer the new session", async () => {
    const { chatId, record } = await seedLinkedChat();
    expect(
      await client().putClient(record.id, { sessionId: "session-2", name: "Acme", phone: null }),
    ).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: "session-2",
      bookmark,
    });
    expect(await client().getClientSession(chatId)).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: "session-2",
    });

    const created = uniqueId("client");
    expect(await client().putClient(created, { sessionId: "session-3" })).toEqual({
      ok: true,
      clientId: created,
      sessionId: "session-3",
      bookmark,
    });
  });

  it("answers the 400s of an invalid id or body, with the field at fault, and 403 for a read-only token", async () => {
    expect(await client().putClient("-starts-with-a-dash", { sessionId: "s" })).toEqual(
      failure(400, "Invalid client ID"),
    );
    expect(await client().putClient(uniqueId("client"), { sessionId: " " })).toEqual(
      failure(400, "Invalid request body", [{ path: "session_id", message: expect.any(String) }]),
    );
    const reader = createClient({ baseUrl: BASE_URL, token: await seedToken(), fetch: workerFetch });
    expect(await reader.putClient(uniqueId("client"), { sessionId: "s" })).toEqual({
      ...failure(403, "Permission denied"),
      requiredScope: "clients:write",
    });
  });

  it("deletes a client: its chats answer Client not found, and a second delete 404", async () => {
    const { chatId, record } = await seedLinkedChat();
    expect(await client().deleteClient(record.id)).toEqual({ ok: true, bookmark });
    expect(await client().getClientSession(chatId)).toEqual(failure(404, "Client not found"));
    expect(await client().deleteClient(record.id)).toEqual(failure(404, "Client not found"));
  });
});

describe("conversations", () => {
  it("links a chat in any spelling, reads it back by any id, unlinks and deletes it", async () => {
    const owner = await seedClient();
    const number = uniqueChatId().replace("@c.us", "");
    const linked = await client().putConversation(`${number}:3@s.whatsapp.net`, { clientId: owner.id });
    expect(linked).toEqual({
      ok: true,
      chatId: `${number}@c.us`,
      clientId: owner.id,
      aliases: [],
      bookmark,
    });
    expect(await client().getConversation(`${number}@s.whatsapp.net`)).toEqual({
      ok: true,
      chatId: `${number}@c.us`,
      clientId: owner.id,
      aliases: [],
    });

    expect(await client().putConversation(`${number}@c.us`, { clientId: null })).toMatchObject({
      ok: true,
      clientId: null,
    });
    expect(await client().deleteConversation(`${number}@c.us`)).toEqual({ ok: true, bookmark });
    expect(await client().getConversation(`${number}@c.us`)).toEqual(failure(404, "Conversation not found"));
  });

  it("answers 404 for an unknown client, writing nothing", async () => {
    const chatId = uniqueChatId();
    expect(await client().putConversation(chatId, { clientId: uniqueId("client") })).toEqual(
      failure(404, "Client not found"),
    );
    expect(await client().getConversation(chatId)).toMatchObject({ ok: false, status: 404 });
  });
});

describe("addAlias and removeAlias", () => {
  it("keeps a person's ids: the LID finds the client until the alias is removed", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    expect(await client().addAlias(chatId, lid)).toEqual({
      ok: true,
      chatId,
      clientId: record.id,
      aliases: [lid],
      bookmark,
    });
    expect(await client().getConversation(lid)).toEqual({
      ok: true,
      chatId,
      clientId: record.id,
      aliases: [lid],
    });
    expect(await client().getClientSession(lid)).toEqual({
      ok: true,
      clientId: record.id,
      sessionId: record.session_id,
    });

    expect(await client().removeAlias(chatId, lid)).toEqual({ ok: true, bookmark });
    expect(await client().getClientSession(lid)).toEqual(failure(404, "Conversation not found"));
    expect(await client().removeAlias(chatId, lid)).toEqual(failure(404, "Alias not found"));
  });

  it("refuses a group id as an alias, and another client's id with 409", async () => {
    const mine = await seedLinkedChat();
    const theirs = await seedLinkedChat();
    expect(await client().addAlias(mine.chatId, "120363025246125888@g.us")).toEqual(
      failure(400, "Invalid alias"),
    );
    expect(await client().addAlias(mine.chatId, theirs.chatId)).toEqual(
      failure(409, "Chat ID belongs to another client"),
    );
  });
});
