/**
 * Sessions the service can see, over a real `wrangler dev`: a WAHA session's life and an
 * Evolution API instance's, replayed as each gateway posts them (start, QR code, working, logged
 * out, then late and repeated events), each step answered at once by lookups with
 * `include=session`; WAHA's signed webhooks on a server of its own with `WAHA_WEBHOOK_HMAC_KEY`.
 */
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DevServer, startDevServer } from "../scripts/lib/dev-server.ts";
import {
  type Answer,
  bearer,
  expectEveryResponseHeaders,
  expectNoLeak,
  request,
  requestAt,
} from "./support.ts";
import { createThrowawayState, type ThrowawayState } from "./throwaway-state.ts";
import { createToken } from "./tokens.ts";

const tokens = inject("tokens");
const HOUR = 3_600_000;

let counter = 0;
/** Ids no other test uses: a client, its chat and its session. */
function freshIds(kind: string) {
  const run = `${Date.now().toString().slice(-8)}${(counter++).toString().padStart(3, "0")}`;
  return { clientId: `e2e-${kind}-client-${run}`, chatId: `48${run}@c.us`, sessionId: `e2e-${kind}-${run}` };
}

function json(base: string, method: string, path: string, token: string, body: unknown, headers = {}) {
  return requestAt(base, path, {
    method,
    headers: { ...bearer(token), "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A client of `sessionId` with its chat, written through the API. */
async function clientOf(base: string, token: string, sessionId: string, clientId: string, chatId: string) {
  expect((await json(base, "PUT", `/api/clients/${clientId}`, token, { session_id: sessionId })).status).toBe(
    200,
  );
  expect(
    (await json(base, "PUT", `/api/conversations/${chatId}`, token, { client_id: clientId })).status,
  ).toBe(200);
}

/** The session status a lookup with `include=session` answers. */
async function statusOf(base: string, token: string, chatId: string): Promise<unknown> {
  const answer = await requestAt(
    base,
    `/api/clients/view?chatId=${encodeURIComponent(chatId)}&include=session`,
    {
      headers: bearer(token),
    },
  );
  expect(answer.status, answer.text).toBe(200);
  return (answer.json as { record: { session: unknown } }).record.session;
}

/** WAHA's `session.status` event, as WAHA posts it. */
function wahaEvent(session: string, status: string, timestamp: number) {
  return {
    id: `evt_e2e${timestamp}`,
    timestamp,
    session,
    metadata: {},
    engine: "NOWEB",
    event: "session.status",
    payload: { name: session, status, statuses: [{ status, timestamp }] },
    me: { id: "11111111111@c.us", pushName: "E2E" },
    environment: { version: "2026.10.2", engine: "NOWEB", tier: "CORE", browser: null },
  };
}

/** Evolution API's `connection.update` event, as Evolution posts it. */
function evolutionEvent(instance: string, state: string, statusReason: number, dateTime: string) {
  return {
    event: "connection.update",
    instance,
    data: { instance, state, statusReason },
    destination: "http://127.0.0.1/webhooks/evolution",
    date_time: dateTime,
    sender: "5511999999999@s.whatsapp.net",
    server_url: "http://evolution.test",
    apikey: "E2E-EVOLUTION-APIKEY-0000",
  };
}

function expectRecord(answer: Answer, record: { id: string; status: string; since: string | RegExp }) {
  expect(answer.status, answer.text).toBe(200);
  expectEveryResponseHeaders(answer);
  const since = record.since instanceof RegExp ? expect.stringMatching(record.since) : record.since;
  expect(answer.json).toEqual({ success: true, record: { ...record, since } });
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("a WAHA session's life, replayed through /webhooks/waha", () => {
  it("answers each status at once, by WAHA's timestamp, whatever order and repeats the events come in", async () => {
    const base = inject("baseUrl");
    const { clientId, chatId, sessionId } = freshIds("waha");
    await clientOf(base, tokens.readWrite, sessionId, clientId, chatId);
    expect(await statusOf(base, tokens.readWrite, chatId)).toEqual({ status: "UNKNOWN", since: null });

    const t0 = Date.now() - 2 * HOUR;
    const post = (status: string, at: number) =>
      json(base, "POST", "/webhooks/waha", tokens.sessionsWrite, wahaEvent(sessionId, status, at));
    const iso = (at: number) => new Date(at).toISOString();

    expectRecord(await post("STARTING", t0), { id: sessionId, status: "STARTING", since: iso(t0) });
    expect(await statusOf(base, tokens.readWrite, chatId)).toEqual({ status: "STARTING", since: iso(t0) });
    expectRecord(await post("SCAN_QR_CODE", t0 + 5_000), {
      id: sessionId,
      status: "SCAN_QR_CODE",
      since: iso(t0 + 5_000),
    });
    expectRecord(await post("PASSKEY_REQUIRED", t0 + 20_000), {
      id: sessionId,
      status: "SCAN_QR_CODE",
      since: iso(t0 + 5_000),
    });
    expectRecord(await post("WORKING", t0 + 30_000), {
      id: sessionId,
      status: "WORKING",
      since: iso(t0 + 30_000),
    });
    expect(await statusOf(base, tokens.readWrite, chatId)).toEqual({
      status: "WORKING",
      since: iso(t0 + 30_000),
    });

    // The phone logs out an hour later.
    expectRecord(await post("FAILED", t0 + HOUR), { id: sessionId, status: "FAILED", since: iso(t0 + HOUR) });
    expect(await statusOf(base, tokens.readWrite, chatId)).toEqual({
      status: "FAILED",
      since: iso(t0 + HOUR),
    });

    // Retries and late deliveries of older events change nothing.
    for (const [status, at] of [
      ["WORKING", t0 + 30_000],
      ["SCAN_QR_CODE", t0 + 5_000],
      ["STARTING", t0],
    ] as const) {
      expectRecord(await post(status, at), { id: sessionId, status: "FAILED", since: iso(t0 + HOUR) });
    }
    expect(await statusOf(base, tokens.readWrite, chatId)).toEqual({
      status: "FAILED",
      since: iso(t0 + HOUR),
    });

    // Other events are harmless.
    const message = await json(base, "POST", "/webhooks/waha", tokens.sessionsWrite, {
      ...wahaEvent(sessionId, "WORKING", t0 + 2 * HOUR),
      event: "message",
      payload: { id: "false_11111111111@c.us_AAAA", from: "11111111111@c.us", body: "Hi" },
    });
    expect(message.json).toEqual({ success: true });
    expect(await statusOf(base, tokens.readWrite, chatId)).toEqual({
      status: "FAILED",
      since: iso(t0 + HOUR),
    });
  });

  it("answers 401 without a token, 403 to a token without sessions:write, 400 to a malformed status event", async () => {
    const base = inject("baseUrl");
    const { sessionId } = freshIds("waha");
    const event = JSON.stringify(wahaEvent(sessionId, "WORKING", Date.now()));
    const unauthenticated = await request("/webhooks/waha", { method: "POST", body: event });
    expect(unauthenticated.status).toBe(401);
    const reader = await json(base, "POST", "/webhooks/waha", tokens.readWrite, event);
    expect(reader.json).toEqual({ error: "Permission denied", required_scope: "sessions:write" });
    const malformed = await json(base, "POST", "/webhooks/waha", tokens.sessionsWrite, {
      event: "session.status",
      session: sessionId,
      payload: { status: "WORKING" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: "Invalid request body", details: [{ path: "timestamp" }] });
  });
});

describe("an Evolution API instance's life, replayed through /webhooks/evolution", () => {
  it("answers each state at once, in arrival order, on both paths, never answering its apikey", async () => {
    const base = inject("baseUrl");
    const { clientId, chatId, sessionId } = freshIds("evolution");
    await clientOf(base, tokens.readWrite, sessionId, clientId, chatId);
    const post = (event: unknown, path = "/webhooks/evolution") =>
      json(base, "POST", path, tokens.sessionsWrite, event);
    // Evolution's date_time: its server's clock with a Z, here three hours off.
    const offClock = new Date(Date.now() - 3 * HOUR).toISOString();

    const connecting = await post(evolutionEvent(sessionId, "connecting", 200, offClock));
    expectRecord(connecting, { id: sessionId, status: "STARTING", since: ISO });
    expect(Date.parse((connecting.json as { record: { since: string } }).record.since)).toBeGreaterThan(
      Date.parse(offClock) + HOUR,
    );
    const qrCode = await post({
      event: "qrcode.updated",
      instance: sessionId,
      data: { qrcode: { instance: sessionId, code: "2@abc", base64: "data:image/png;base64,AAAA" } },
      date_time: offClock,
      apikey: "E2E-EVOLUTION-APIKEY-0000",
    });
    expect(qrCode.json).toEqual({ success: true });
    expect(await statusOf(base, tokens.readWrite, chatId)).toMatchObject({ status: "STARTING" });

    // Webhook by events: the same endpoint.
    const open = await post(
      evolutionEvent(sessionId, "open", 200, offClock),
      "/webhooks/evolution/connection-update",
    );
    expectRecord(open, { id: sessionId, status: "WORKING", since: ISO });
    expect(await statusOf(base, tokens.readWrite, chatId)).toMatchObject({ status: "WORKING" });

    const loggedOut = await post(evolutionEvent(sessionId, "close", 401, offClock));
    expectRecord(loggedOut, { id: sessionId, status: "FAILED", since: ISO });
    const failedSince = (loggedOut.json as { record: { since: string } }).record.since;
    expect(await statusOf(base, tokens.readWrite, chatId)).toEqual({ status: "FAILED", since: failedSince });

    // A repeat keeps its since; a late event with an older date_time still applies: arrival decides.
    expectRecord(await post(evolutionEvent(sessionId, "close", 401, offClock)), {
      id: sessionId,
      status: "FAILED",
      since: failedSince,
    });
    const earlier = new Date(Date.parse(offClock) - HOUR).toISOString();
    expectRecord(await post(evolutionEvent(sessionId, "connecting", 428, earlier)), {
      id: sessionId,
      status: "STARTING",
      since: ISO,
    });
    expectRecord(await post(evolutionEvent(sessionId, "close", 515, earlier)), {
      id: sessionId,
      status: "STOPPED",
      since: ISO,
    });

    for (const answer of [connecting, qrCode, open, loggedOut]) {
      expect(answer.text).not.toContain("E2E-EVOLUTION-APIKEY");
      expectNoLeak(answer);
    }
  });

  it("lists both gateways' sessions with their clients, and answers the batch with include", async () => {
    const base = inject("baseUrl");
    const waha = freshIds("list");
    await clientOf(base, tokens.readWrite, waha.sessionId, waha.clientId, waha.chatId);
    const reported = Date.now() - HOUR;
    await json(
      base,
      "POST",
      "/webhooks/waha",
      tokens.sessionsWrite,
      wahaEvent(waha.sessionId, "WORKING", reported),
    );
    const lonely = freshIds("list").sessionId;
    await json(base, "PUT", `/api/sessions/${lonely}/status`, tokens.sessionsWrite, { status: "STOPPED" });

    const listed = await requestAt(base, "/api/sessions", { headers: bearer(tokens.readWrite) });
    expect(listed.status).toBe(200);
    const sessions = (listed.json as { sessions: { id: string }[] }).sessions;
    expect(sessions.filter(({ id }) => id === waha.sessionId || id === lonely)).toEqual(
      [
        { id: waha.sessionId, status: "WORKING", since: new Date(reported).toISOString(), clients: 1 },
        { id: lonely, status: "STOPPED", since: expect.stringMatching(ISO), clients: 0 },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );

    const batch = await json(base, "POST", "/api/clients/view/batch", tokens.readWrite, {
      lookups: [{ chatId: waha.chatId }, { chatId: "123456789@c.us" }],
      include: ["session"],
    });
    expect(batch.json).toEqual({
      success: true,
      results: [
        {
          record: {
            id: waha.clientId,
            session_id: waha.sessionId,
            session: { status: "WORKING", since: new Date(reported).toISOString() },
          },
        },
        {
          record: {
            id: "abc123",
            session_id: "xyz789",
            session: expect.objectContaining({ status: expect.any(String) }),
          },
        },
      ],
    });
  });
});

describe("WAHA's signed webhooks, with WAHA_WEBHOOK_HMAC_KEY set", () => {
  const KEY = "e2e-waha-hmac-key";
  let state: ThrowawayState;
  let server: DevServer;
  let gateway: string;
  let reader: string;

  beforeAll(async () => {
    state = await createThrowawayState("csl-e2e-waha-hmac-");
    gateway = await createToken(state.persistTo, "waha-gateway", ["--scopes", "sessions:write"]);
    reader = await createToken(state.persistTo, "waha-reader", ["--scopes", "clients:read,clients:write"]);
    server = await startDevServer({
      persistTo: state.persistTo,
      logPath: join(state.workDir, "wrangler-dev.log"),
      vars: { WAHA_WEBHOOK_HMAC_KEY: KEY },
    });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await state?.remove();
  }, 30_000);

  const sign = (body: string, key = KEY) => createHmac("sha512", key).update(body).digest("hex");
  const post = (body: string, headers: Record<string, string>) =>
    json(server.url, "POST", "/webhooks/waha", gateway, body, headers);

  it("records a signed life (start, QR code, working, logged out), and refuses every unsigned or missigned event", async () => {
    const { clientId, chatId, sessionId } = freshIds("hmac");
    await clientOf(server.url, reader, sessionId, clientId, chatId);
    const t0 = Date.now() - 2 * HOUR;
    const signed = async (status: string, at: number) => {
      // WAHA's own bytes: the signature is over the body as sent.
      const body = JSON.stringify(wahaEvent(sessionId, status, at), null, 2);
      return post(body, { "X-Webhook-Hmac": sign(body), "X-Webhook-Hmac-Algorithm": "sha512" });
    };
    for (const [status, at] of [
      ["STARTING", t0],
      ["SCAN_QR_CODE", t0 + 1_000],
      ["WORKING", t0 + 60_000],
    ] as const) {
      expect((await signed(status, at)).status).toBe(200);
    }
    expect(await statusOf(server.url, reader, chatId)).toEqual({
      status: "WORKING",
      since: new Date(t0 + 60_000).toISOString(),
    });

    const loggedOut = JSON.stringify(wahaEvent(sessionId, "FAILED", t0 + HOUR));
    const refusals: Record<string, string>[] = [
      {},
      { "X-Webhook-Hmac": sign(loggedOut, "another-key"), "X-Webhook-Hmac-Algorithm": "sha512" },
      { "X-Webhook-Hmac": sign(loggedOut), "X-Webhook-Hmac-Algorithm": "sha256" },
    ];
    for (const headers of refusals) {
      const refused = await post(loggedOut, headers);
      expect({ status: refused.status, body: refused.json }).toEqual({
        status: 401,
        body: { error: "Unauthorized" },
      });
    }
    expect(await statusOf(server.url, reader, chatId)).toMatchObject({ status: "WORKING" });

    expect((await signed("FAILED", t0 + HOUR)).status).toBe(200);
    expect((await signed("WORKING", t0 + 60_000)).json).toMatchObject({ record: { status: "FAILED" } });
    expect(await statusOf(server.url, reader, chatId)).toEqual({
      status: "FAILED",
      since: new Date(t0 + HOUR).toISOString(),
    });
  });
});
