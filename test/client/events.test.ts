/**
 * The client package's history and webhook methods against the test's Worker.
 */

import { env } from "cloudflare:workers";
import { createClient } from "chat-session-lookup-client";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BASE_URL, seedClient, seedToken, uniqueChatId, uniqueId } from "../helpers";
import { failure, workerFetch } from "../support/client-fetch";

const ACTOR = uniqueId("client-package");
let token: string;
beforeAll(async () => {
  token = await seedToken({ name: ACTOR, scopes: ["clients:read", "clients:write"] });
});
afterEach(async () => {
  await env.DB.prepare("DELETE FROM webhooks").run();
});

const client = () => createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });

describe("listEvents", () => {
  it("reads a chat's history, newest first, page by page", async () => {
    const owner = await seedClient();
    const chatId = uniqueChatId();
    await client().putConversation(chatId, { clientId: null });
    await client().putConversation(chatId, { clientId: owner.id });

    const first = await client().listEvents({ chatId }, { limit: 1 });
    expect(first).toEqual({
      ok: true,
      events: [
        {
          id: expect.stringMatching(/^evt_/),
          at: expect.any(String),
          type: "conversation.linked",
          actor: ACTOR,
          chatId,
          clientId: owner.id,
          sessionId: owner.sessionId,
          before: { client_id: null, session_id: null },
          after: { client_id: owner.id, session_id: owner.sessionId },
        },
      ],
      next: expect.any(String),
    });
    const second = await client().listEvents({ chatId }, { limit: 1, before: first.ok ? first.next : null });
    expect(second).toMatchObject({
      ok: true,
      events: [{ type: "conversation.created", chatId }],
      next: null,
    });
  });

  it("answers the service's 400 with the fields at fault", async () => {
    expect(await client().listEvents({}, { limit: 500 })).toEqual(
      failure(400, "Invalid query", [{ path: "limit", message: expect.any(String) }]),
    );
  });
});

describe("webhooks", () => {
  it("creates a subscription with its secret once, changes it, lists and deletes it", async () => {
    const url = "https://receiver.example.com/hook";
    const created = await client().putWebhook("crm", { url, events: ["conversation.*"] });
    expect(created).toEqual({
      ok: true,
      name: "crm",
      url,
      events: ["conversation.*"],
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(await client().putWebhook("crm", { url, events: ["*"] })).toEqual({
      ok: true,
      name: "crm",
      url,
      events: ["*"],
      secret: null,
    });
    expect(await client().listWebhooks()).toEqual({
      ok: true,
      webhooks: [{ name: "crm", url, events: ["*"], disabled: false }],
    });
    expect(await client().deleteWebhook("crm")).toEqual({ ok: true });
    expect(await client().deleteWebhook("crm")).toEqual(failure(404, "Webhook not found"));
    expect(await client().deleteWebhook("")).toEqual(failure(400, "Invalid webhook name"));
  });
});
