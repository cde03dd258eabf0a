/**
 * A user of Meta's WhatsApp Cloud API, as a bot behind its webhook lives them over real HTTP:
 * first messages carry the phone number (`wa_id`) and the business-scoped user id (BSUID), later
 * ones only the BSUID (the user took a username), then the user changes number, which also gives
 * them a new BSUID. Every lookup along the way answers the same client.
 */
import { describe, expect, inject, it } from "vitest";
import { bearer, expectError, expectRecord, request, viewPath } from "./support.ts";

const tokens = inject("tokens");
const run = `${Date.now().toString().slice(-8)}`;

/** What a Cloud API `messages` webhook says of its sender: Meta's `contacts[0]` and `messages[0]`. */
interface CloudApiWebhook {
  entry: {
    changes: {
      value: {
        contacts?: { wa_id?: string; user_id?: string }[];
        messages: {
          from?: string;
          from_user_id?: string;
          type: string;
          text?: { body: string };
          system?: { type: string; wa_id?: string; previous_user_id?: string };
        }[];
      };
    }[];
  }[];
}

/** A text message webhook as Meta sends it: `wa_id` and `from` left out when the number is withheld. */
function textMessage(sender: { waId?: string; userId: string }, body: string): CloudApiWebhook {
  const number = sender.waId === undefined ? {} : { wa_id: sender.waId };
  const from = sender.waId === undefined ? {} : { from: sender.waId };
  return {
    entry: [
      {
        changes: [
          {
            value: {
              contacts: [{ ...number, user_id: sender.userId }],
              messages: [{ ...from, from_user_id: sender.userId, type: "text", text: { body } }],
            },
          },
        ],
      },
    ],
  };
}

/** The `user_changed_number` system message: no contacts array, the new number in `system.wa_id`. */
function numberChanged(oldWaId: string, newWaId: string, oldUserId: string): CloudApiWebhook {
  return {
    entry: [
      {
        changes: [
          {
            value: {
              messages: [
                {
                  from: oldWaId,
                  type: "system",
                  system: { type: "user_changed_number", wa_id: newWaId, previous_user_id: oldUserId },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

const changeOf = (webhook: CloudApiWebhook) => webhook.entry[0]?.changes[0]?.value;

/** The ids a bot takes from a message: the number as `chatId` when there is one, the BSUID as `alt`. */
function idsOf(webhook: CloudApiWebhook): { chatId: string; alt?: string } {
  const contact = changeOf(webhook)?.contacts?.[0];
  if (contact?.user_id === undefined) throw new Error("a Cloud API message names its sender's user_id");
  return contact.wa_id === undefined
    ? { chatId: contact.user_id }
    : { chatId: contact.wa_id, alt: contact.user_id };
}

const lookUp = ({ chatId, alt }: { chatId: string; alt?: string }) =>
  request(`${viewPath(chatId)}${alt === undefined ? "" : `&alt=${encodeURIComponent(alt)}`}`, {
    headers: bearer(tokens.bot),
  });

function write(token: string, method: "PUT" | "DELETE", path: string, body?: unknown) {
  return request(path, {
    method,
    headers: { ...bearer(token), "Content-Type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const idPath = (id: string) => encodeURIComponent(id);

describe("a Cloud API user, from first message to a new number", () => {
  it("is answered the same client by wa_id and BSUID, by BSUID alone, and after changing number", async () => {
    const clientId = `e2e-cloud-client-${run}`;
    const record = { id: clientId, session_id: "e2e-cloud-number" };
    const [waId, newWaId] = [`1650${run}`, `1415${run}`];
    const [userId, newUserId] = [`US.${run}13491208655302741918`, `US.${run}99aBc`];

    // The backend knows its customer by phone number, as E.164 with its plus.
    expect(
      (await write(tokens.readWrite, "PUT", `/api/clients/${clientId}`, { session_id: record.session_id }))
        .status,
    ).toBe(200);
    const linked = await write(tokens.readWrite, "PUT", `/api/conversations/${idPath(`+${waId}`)}`, {
      client_id: clientId,
    });
    expect(linked.json).toEqual({
      success: true,
      record: { chat_id: `${waId}@c.us`, client_id: clientId, aliases: [] },
    });

    // A first message, with wa_id and BSUID: answered by the number; the bot registers the BSUID.
    const first = idsOf(textMessage({ waId, userId }, "Does it come in another color?"));
    expect(first).toEqual({ chatId: waId, alt: userId });
    expectRecord(await lookUp(first), record);
    const registered = await write(
      tokens.bot,
      "PUT",
      `/api/conversations/${first.chatId}/aliases/${idPath(userId)}`,
    );
    expect(registered.json).toEqual({
      success: true,
      record: { chat_id: `${waId}@c.us`, client_id: clientId, aliases: [userId] },
    });

    // Later the user took a username: no wa_id, no from; the BSUID alone finds the client.
    const later = idsOf(textMessage({ userId }, "Any news?"));
    expect(later).toEqual({ chatId: userId });
    expectRecord(await lookUp(later), record);

    // The user changes number: the bot adds the new one; the backend removes the old ones.
    const change = changeOf(numberChanged(waId, newWaId, userId))?.messages[0]?.system;
    expect(change?.type).toBe("user_changed_number");
    const added = await write(
      tokens.bot,
      "PUT",
      `/api/conversations/${idPath(userId)}/aliases/${change?.wa_id}`,
    );
    expect(added.status).toBe(200);
    // A bot's token adds ids and nothing else.
    const refused = await write(tokens.bot, "DELETE", `/api/conversations/${newWaId}/aliases/${waId}`);
    expect({ status: refused.status, body: refused.json }).toEqual({
      status: 403,
      body: { error: "Permission denied", required_scope: "clients:write" },
    });
    expect(
      (await write(tokens.readWrite, "DELETE", `/api/conversations/${newWaId}/aliases/${waId}`)).status,
    ).toBe(200);

    // The first message from the new number carries a new BSUID: found by the number, registered.
    const renewed = idsOf(textMessage({ waId: newWaId, userId: newUserId }, "New phone, same me"));
    expectRecord(await lookUp(renewed), record);
    expect(
      (await write(tokens.bot, "PUT", `/api/conversations/${newWaId}/aliases/${idPath(newUserId)}`)).status,
    ).toBe(200);
    const previousUserId = change?.previous_user_id ?? "";
    expect(
      (
        await write(
          tokens.readWrite,
          "DELETE",
          `/api/conversations/${newWaId}/aliases/${idPath(previousUserId)}`,
        )
      ).status,
    ).toBe(200);

    // Every id the user has now answers the client, alone or together; the old ones nothing.
    for (const ids of [
      { chatId: newWaId },
      { chatId: `+${newWaId}` },
      { chatId: newUserId },
      { chatId: newWaId, alt: newUserId },
      { chatId: newUserId, alt: `${newWaId}@s.whatsapp.net` },
    ])
      expectRecord(await lookUp(ids), record);
    for (const old of [waId, userId])
      expectError(await lookUp({ chatId: old }), 404, "Conversation not found");
    const conversation = await request(`/api/conversations/${idPath(newUserId)}`, {
      headers: bearer(tokens.readWrite),
    });
    expect(conversation.json).toEqual({
      success: true,
      record: { chat_id: `${newWaId}@c.us`, client_id: clientId, aliases: [newUserId] },
    });

    // The batch answers the same, item by item.
    const batch = await request("/api/clients/view/batch", {
      method: "POST",
      headers: { ...bearer(tokens.bot), "Content-Type": "application/json" },
      body: JSON.stringify({
        lookups: [{ chatId: newUserId }, { chatId: newWaId, alt: newUserId }, { chatId: userId }],
      }),
    });
    expect(batch.json).toEqual({
      success: true,
      results: [{ record }, { record }, { error: "Conversation not found" }],
    });
  });

  it("never answers a participant's client for a group: alt with a group id is refused", async () => {
    const answer = await lookUp({ chatId: "120363025246125888@g.us", alt: `1650${run}` });
    expectError(answer, 400, "Invalid alt");
  });
});
