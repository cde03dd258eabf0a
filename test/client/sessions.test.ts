/**
 * The client package's session operations against the test's Worker: status reports, the session
 * list, the gateways' webhooks as a test or a relay would call them, and lookups that include the
 * session's status.
 */
import { createClient } from "chat-session-lookup-client";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE_URL, seedLinkedChat, seedToken } from "../helpers";
import { evolutionEvent, fixtures, iso, uniqueSession, wahaEvent } from "../sessions/support";
import { failure, workerFetch } from "../support/client-fetch";

let reader: string;
let writer: string;
beforeAll(async () => {
  reader = await seedToken();
  writer = await seedToken({ scopes: ["sessions:write"] });
});

const T0 = Date.parse("2026-01-05T10:00:00Z");
const as = (token: string) => createClient({ baseUrl: BASE_URL, token, fetch: workerFetch });
const bookmark = expect.any(String);

describe("putSessionStatus and listSessions", () => {
  it("reports a status and answers the session's status after it, with the write's bookmark", async () => {
    const sessionId = uniqueSession();
    expect(await as(writer).putSessionStatus(sessionId, { status: "WORKING", at: iso(T0) })).toEqual({
      ok: true,
      sessionId,
      status: "WORKING",
      since: iso(T0),
      bookmark,
    });
    // An older report changes nothing.
    expect(
      await as(writer).putSessionStatus(sessionId, { status: "FAILED", at: iso(T0 - 1000) }),
    ).toMatchObject({
      ok: true,
      status: "WORKING",
    });
  });

  it("answers the 400 of a status outside the list, and 403 for a read-only token", async () => {
    const invalid = { status: "CONNECTED" } as unknown as { status: "WORKING" };
    expect(await as(writer).putSessionStatus(uniqueSession(), invalid)).toEqual(
      failure(400, "Invalid request body", [{ path: "status", message: expect.any(String) }]),
    );
    expect(await as(reader).putSessionStatus(uniqueSession(), { status: "WORKING" })).toEqual({
      ...failure(403, "Permission denied"),
      requiredScope: "sessions:write",
    });
  });

  it("lists sessions with their status and clients", async () => {
    const { record } = await seedLinkedChat();
    await as(writer).putSessionStatus(record.session_id, { status: "SCAN_QR_CODE", at: iso(T0) });
    const listed = await as(reader).listSessions();
    if (!listed.ok) throw new Error(`listSessions failed: ${listed.error}`);
    expect(listed.sessions).toContainEqual({
      sessionId: record.session_id,
      status: "SCAN_QR_CODE",
      since: iso(T0),
      clients: 1,
    });
  });
});

describe("the webhooks", () => {
  it("hand the service WAHA's and Evolution's events, and answer the session's status after a status event", async () => {
    const waha = uniqueSession();
    expect(await as(writer).postWahaWebhook(wahaEvent(waha, "WORKING", T0))).toEqual({
      ok: true,
      session: { sessionId: waha, status: "WORKING", since: iso(T0) },
    });
    expect(await as(writer).postWahaWebhook(fixtures.wahaMessage)).toEqual({ ok: true, session: null });

    const evolution = uniqueSession();
    expect(await as(writer).postEvolutionWebhook(evolutionEvent(evolution, "close", 401))).toMatchObject({
      ok: true,
      session: { sessionId: evolution, status: "FAILED" },
    });
    expect(
      await as(writer).postEvolutionWebhookByEvent("connection-update", evolutionEvent(evolution, "open")),
    ).toMatchObject({ ok: true, session: { status: "WORKING" } });
    expect(await as(writer).postEvolutionWebhook(fixtures.evolutionQrCode)).toEqual({
      ok: true,
      session: null,
    });
  });
});

describe("lookups with includeSession", () => {
  it("answer the session's status with the client and session, and nothing more without it", async () => {
    const { chatId, record } = await seedLinkedChat();
    await as(writer).putSessionStatus(record.session_id, { status: "FAILED", at: iso(T0) });
    const found = { ok: true, clientId: record.id, sessionId: record.session_id };
    expect(await as(reader).getClientSession(chatId, { includeSession: true })).toEqual({
      ...found,
      session: { status: "FAILED", since: iso(T0) },
    });
    expect(await as(reader).getClientSession(chatId)).toEqual(found);
    expect(await as(reader).getClientSessions([{ chatId }], { includeSession: true })).toEqual({
      ok: true,
      results: [{ ...found, session: { status: "FAILED", since: iso(T0) } }],
    });
    expect(await as(reader).getClientSessions([{ chatId }])).toEqual({ ok: true, results: [found] });
  });
});
