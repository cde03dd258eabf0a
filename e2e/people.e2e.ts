/**
 * A person with two ids, as a bot lives it over real HTTP: a reaction arrives with only the LID,
 * then a message with the LID and the phone number, then lookups by either id alone.
 */
import { describe, expect, inject, it } from "vitest";
import { bearer, expectError, expectRecord, request, viewPath } from "./support.ts";

const tokens = inject("tokens");
const run = `${Date.now().toString().slice(-8)}`;

function write(method: "PUT" | "DELETE", path: string, body?: unknown) {
  return request(path, {
    method,
    headers: { ...bearer(tokens.readWrite), "Content-Type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const lookUp = (path: string) => request(path, { headers: bearer(tokens.readWrite) });

describe("a person with a LID and a phone number", () => {
  it("is found by either id once the bot has seen both", async () => {
    const clientId = `e2e-lid-client-${run}`;
    const phone = `4917${run}`;
    const lid = `2${run}${run}@lid`;
    const record = { id: clientId, session_id: "e2e-lid-session" };
    await write("PUT", `/api/clients/${clientId}`, { session_id: record.session_id });
    await write("PUT", `/api/conversations/${phone}@s.whatsapp.net`, { client_id: clientId });

    // A reaction: only the LID. Unknown yet; the bot keeps the chat without a client.
    expectError(await lookUp(viewPath(lid)), 404, "Conversation not found");
    expect((await write("PUT", `/api/conversations/${lid}`, { client_id: null })).status).toBe(200);
    expectError(await lookUp(viewPath(lid)), 404, "Client not found");

    // A message with both ids (Baileys' key.remoteJid and key.remoteJidAlt): found by alt, …
    const both = `/api/clients/view?chatId=${encodeURIComponent(lid)}&alt=${phone}%40s.whatsapp.net`;
    expectRecord(await lookUp(both), record);
    // … and the bot registers the LID: its own conversation is merged into the phone number's.
    const merged = await write("PUT", `/api/conversations/${phone}@c.us/aliases/${lid}`);
    expect(merged.json).toEqual({
      success: true,
      record: { chat_id: `${phone}@c.us`, client_id: clientId, aliases: [lid] },
    });

    // From now on either id, alone, in any spelling, answers at once.
    for (const id of [lid, `${phone}@c.us`, `${phone}:3@s.whatsapp.net`])
      expectRecord(await lookUp(viewPath(id)), record);

    // Removing the alias makes the LID unknown again, at once.
    expect((await write("DELETE", `/api/conversations/${phone}@c.us/aliases/${lid}`)).json).toEqual({
      success: true,
    });
    expectError(await lookUp(viewPath(lid)), 404, "Conversation not found");
  });

  it("keeps another client's LID out: 409, and nothing changes", async () => {
    const [mine, theirs] = [`e2e-lid-mine-${run}`, `e2e-lid-theirs-${run}`];
    const [myPhone, theirPhone, theirLid] = [`4918${run}`, `4919${run}`, `3${run}${run}@lid`];
    for (const [client, phone] of [
      [mine, myPhone],
      [theirs, theirPhone],
    ] as const) {
      await write("PUT", `/api/clients/${client}`, { session_id: `${client}-session` });
      await write("PUT", `/api/conversations/${phone}@c.us`, { client_id: client });
    }
    await write("PUT", `/api/conversations/${theirPhone}@c.us/aliases/${theirLid}`);
    expectError(
      await write("PUT", `/api/conversations/${myPhone}@c.us/aliases/${theirLid}`),
      409,
      "Chat ID belongs to another client",
    );
    expectRecord(await lookUp(viewPath(theirLid)), { id: theirs, session_id: `${theirs}-session` });
  });
});
