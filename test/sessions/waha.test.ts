/**
 * `POST /webhooks/waha`: WAHA's `session.status` events as WAHA posts them (fixtures), its
 * statuses mapped and ordered by the event's `timestamp`, every other event ignored, its HMAC
 * when a key is set, and what a token may report.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { captureLogs, ManualClock, request, seedToken, useWorker, watchD1 } from "../helpers";
import { fixtures, iso, postWebhook, storedSession, uniqueSession, wahaEvent, wahaHmac } from "./support";

let writer: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["sessions:write"] });
});

const T0 = Date.parse("2026-01-05T10:00:00Z");
const touchesSessions = (sql: string) => /\b(into|from|update) "sessions"/i.test(sql);
const waha = (body: unknown, headers: Record<string, string> = {}, token = writer) =>
  postWebhook("/webhooks/waha", token, body, headers);

describe("POST /webhooks/waha", () => {
  it("records WAHA's session.status event as WAHA posts it, at the event's timestamp", async () => {
    const event = fixtures.wahaStatus;
    const response = await waha(event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      record: { id: event.session, status: "WORKING", since: iso(event.timestamp) },
    });
    expect(await storedSession(event.session)).toMatchObject({ status: "WORKING", since: event.timestamp });
  });

  it.each([
    ["STARTING", "STARTING"],
    ["SCAN_QR_CODE", "SCAN_QR_CODE"],
    ["WORKING", "WORKING"],
    ["FAILED", "FAILED"],
    ["STOPPED", "STOPPED"],
    ["PASSKEY_REQUIRED", "SCAN_QR_CODE"],
    ["PASSKEY_CHALLENGE", "SCAN_QR_CODE"],
  ])("maps WAHA's %s to %s", async (status, expected) => {
    const session = uniqueSession();
    const response = await waha(wahaEvent(session, status, T0));
    expect(await response.json()).toEqual({
      success: true,
      record: { id: session, status: expected, since: iso(T0) },
    });
  });

  it.each(["QR", "working", "AUTHENTICATED"])(
    "ignores a status it does not know (%j): 200, nothing written",
    async (status) => {
      const session = uniqueSession();
      const response = await waha(wahaEvent(session, status, T0));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ success: true });
      expect(await storedSession(session)).toBeNull();
    },
  );

  it("replays a session's life in any order and ends on the newest status by WAHA's timestamp", async () => {
    const session = uniqueSession();
    const events = [
      wahaEvent(session, "STARTING", T0),
      wahaEvent(session, "SCAN_QR_CODE", T0 + 1000),
      wahaEvent(session, "WORKING", T0 + 30_000),
      wahaEvent(session, "FAILED", T0 + 3_600_000),
    ];
    // Delivered out of order, with retries repeating some.
    for (const index of [0, 2, 1, 3, 2, 0, 1]) await waha(events[index]);
    expect(await storedSession(session)).toMatchObject({ status: "FAILED", since: T0 + 3_600_000 });
    const older = await waha(events[2]);
    expect(await older.json()).toEqual({
      success: true,
      record: { id: session, status: "FAILED", since: iso(T0 + 3_600_000) },
    });
  });

  it("counts a timestamp in the future as the time the event arrived", async () => {
    const clock = new ManualClock(T0);
    useWorker({ clock });
    const session = uniqueSession();
    const response = await waha(wahaEvent(session, "WORKING", T0 + 86_400_000));
    expect(await response.json()).toMatchObject({ record: { since: iso(T0) } });
    // The next event, of a second later, wins: the future one did not hold the session.
    await clock.advance(1000);
    expect(await (await waha(wahaEvent(session, "STOPPED", T0 + 1000))).json()).toMatchObject({
      record: { status: "STOPPED" },
    });
  });

  it.each([
    ["message", fixtures.wahaMessage],
    ["state.change", { ...fixtures.wahaMessage, event: "state.change", payload: { state: "CONNECTED" } }],
    ["engine.event", { event: "engine.event", session: "default", payload: {} }],
  ])("answers 200 to a %s event and changes nothing", async (_, event) => {
    const statements = watchD1();
    const response = await waha(event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    expect(statements.filter(touchesSessions)).toEqual([]);
  });

  it("answers 200 to a body over 1 MiB without reading it, and changes nothing", async () => {
    const session = uniqueSession();
    const big = { ...wahaEvent(session, "WORKING", T0), padding: "x".repeat(1024 * 1024) };
    const response = await waha(big);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    expect(await storedSession(session)).toBeNull();
  });

  it("reads a status event of just under 1 MiB", async () => {
    const session = uniqueSession();
    const event = wahaEvent(session, "WORKING", T0);
    const padding = 1024 * 1024 - JSON.stringify({ ...event, padding: "" }).length;
    const response = await waha({ ...event, padding: "x".repeat(padding) });
    expect(await response.json()).toMatchObject({ record: { status: "WORKING" } });
  });

  it.each([
    ["no timestamp", (event: Record<string, unknown>) => ({ ...event, timestamp: undefined }), "timestamp"],
    [
      "a timestamp in text",
      (event: Record<string, unknown>) => ({ ...event, timestamp: "1796378400000" }),
      "timestamp",
    ],
    ["no session", (event: Record<string, unknown>) => ({ ...event, session: undefined }), "session"],
    [
      "a session id of 129 characters",
      (event: Record<string, unknown>) => ({ ...event, session: "s".repeat(129) }),
      "session",
    ],
    ["no payload", (event: Record<string, unknown>) => ({ ...event, payload: undefined }), "payload"],
    [
      "a status that is a number",
      (event: Record<string, unknown>) => ({ ...event, payload: { status: 3 } }),
      "payload.status",
    ],
    [
      "an empty status",
      (event: Record<string, unknown>) => ({ ...event, payload: { status: "" } }),
      "payload.status",
    ],
  ])("answers 400 Invalid request body for a session.status event with %s", async (_, change, path) => {
    const session = uniqueSession();
    const response = await waha(change(wahaEvent(session, "WORKING", T0)));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "Invalid request body",
      details: [expect.objectContaining({ path })],
    });
    expect(await storedSession(session)).toBeNull();
  });

  it.each([
    ["not JSON", "{event:"],
    ["a JSON array", "[]"],
    ["an object without an event", JSON.stringify({ session: "default" })],
  ])("answers 400 Invalid request body for a body that is %s", async (_, body) => {
    const response = await waha(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "Invalid request body" });
  });

  it("answers 401 without a token, and 403 with the scope it needs for a token without sessions:write", async () => {
    const session = uniqueSession();
    const event = JSON.stringify(wahaEvent(session, "WORKING", T0));
    const unauthenticated = await request("/webhooks/waha", { method: "POST", body: event });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("WWW-Authenticate")).toBe('Bearer realm="clients-api"');
    const reader = await seedToken({ scopes: ["clients:read", "clients:write"] });
    const refused = await waha(event, {}, reader);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "Permission denied", required_scope: "sessions:write" });
    expect(await storedSession(session)).toBeNull();
  });

  it("lets a session-limited token record its sessions' events, and answers 403 for another's", async () => {
    const mine = uniqueSession();
    const other = uniqueSession();
    const limited = await seedToken({ scopes: ["sessions:write"], sessions: [mine] });
    expect((await waha(wahaEvent(mine, "WORKING", T0), {}, limited)).status).toBe(200);
    const refused = await waha(wahaEvent(other, "WORKING", T0), {}, limited);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "Permission denied", required_scope: "sessions:write" });
    expect(await storedSession(other)).toBeNull();
    // Events that are not status events change nothing, whoever's they are.
    expect((await waha({ ...fixtures.wahaMessage, session: other }, {}, limited)).status).toBe(200);
  });

  it("answers 405 with Allow: POST for another method", async () => {
    const response = await request("/webhooks/waha", { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });

  it("never logs the body: no phone number of WAHA's `me`, no session id", async () => {
    const session = uniqueSession();
    const { logs } = await captureLogs(() => waha({ ...wahaEvent(session, "WORKING", T0) }));
    expect(logs).toContain('"route":"/webhooks/waha"');
    expect(logs).not.toContain(fixtures.wahaStatus.me.id.split("@")[0]);
    expect(logs).not.toContain(session);
  });
});

describe("POST /webhooks/waha with WAHA_WEBHOOK_HMAC_KEY set", () => {
  const KEY = "waha-webhook-test-key";

  it("records an event whose X-Webhook-Hmac is the HMAC-SHA512 of its raw body", async () => {
    useWorker({ vars: { WAHA_WEBHOOK_HMAC_KEY: KEY } });
    const session = uniqueSession();
    // Bytes as WAHA sends them: its own spacing, which a re-serialisation would change.
    const body = JSON.stringify(wahaEvent(session, "WORKING", T0), null, 1);
    const response = await waha(body, {
      "X-Webhook-Hmac": await wahaHmac(KEY, body),
      "X-Webhook-Hmac-Algorithm": "sha512",
    });
    expect(response.status).toBe(200);
    expect(await storedSession(session)).toMatchObject({ status: "WORKING" });
  });

  it.each([
    ["no signature", async () => ({ "X-Webhook-Hmac-Algorithm": "sha512" })],
    [
      "another key's signature",
      async (body: string) => ({
        "X-Webhook-Hmac": await wahaHmac("another-key", body),
        "X-Webhook-Hmac-Algorithm": "sha512",
      }),
    ],
    [
      "the signature of another body",
      async (body: string) => ({
        "X-Webhook-Hmac": await wahaHmac(KEY, `${body} `),
        "X-Webhook-Hmac-Algorithm": "sha512",
      }),
    ],
    [
      "another algorithm",
      async (body: string) => ({
        "X-Webhook-Hmac": await wahaHmac(KEY, body),
        "X-Webhook-Hmac-Algorithm": "sha256",
      }),
    ],
    ["no algorithm", async (body: string) => ({ "X-Webhook-Hmac": await wahaHmac(KEY, body) })],
    [
      "a signature that is not hex",
      async () => ({ "X-Webhook-Hmac": "z".repeat(128), "X-Webhook-Hmac-Algorithm": "sha512" }),
    ],
  ])("answers 401 for %s, and records nothing", async (_, headersOf) => {
    useWorker({ vars: { WAHA_WEBHOOK_HMAC_KEY: KEY } });
    const session = uniqueSession();
    const body = JSON.stringify(wahaEvent(session, "WORKING", T0));
    const response = await waha(body, await headersOf(body));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Unauthorized" });
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="clients-api"');
    expect(await storedSession(session)).toBeNull();
  });

  it("checks the signature of every event, not only of status events", async () => {
    useWorker({ vars: { WAHA_WEBHOOK_HMAC_KEY: KEY } });
    const response = await waha(fixtures.wahaMessage, { "X-Webhook-Hmac-Algorithm": "sha512" });
    expect(response.status).toBe(401);
  });

  it("checks the token before the signature", async () => {
    useWorker({ vars: { WAHA_WEBHOOK_HMAC_KEY: KEY } });
    const body = JSON.stringify(wahaEvent(uniqueSession(), "WORKING", T0));
    const signed = { "X-Webhook-Hmac": await wahaHmac(KEY, body), "X-Webhook-Hmac-Algorithm": "sha512" };
    expect((await waha(body, signed, "csl_not_a_token")).status).toBe(401);
    const reader = await seedToken({ scopes: ["clients:read"] });
    expect((await waha(body, signed, reader)).status).toBe(403);
  });

  it("leaves the signature headers unread when no key is set", async () => {
    const session = uniqueSession();
    const response = await waha(wahaEvent(session, "WORKING", T0), { "X-Webhook-Hmac": "0".repeat(128) });
    expect(response.status).toBe(200);
    expect(await storedSession(session)).toMatchObject({ status: "WORKING" });
  });

  it("never logs the key", async () => {
    useWorker({ vars: { WAHA_WEBHOOK_HMAC_KEY: KEY } });
    const body = JSON.stringify(wahaEvent(uniqueSession(), "WORKING", T0));
    const { logs } = await captureLogs(() => waha(body, { "X-Webhook-Hmac-Algorithm": "sha512" }));
    expect(logs).not.toContain(KEY);
  });
});

describe("a status write while KV fails", () => {
  it("still answers the write, and logs the failed refresh", async () => {
    vi.spyOn(env.CACHE, "put").mockRejectedValue(new Error("KV PUT failed: 429 Too Many Requests"));
    const session = uniqueSession();
    const { result: response, logs } = await captureLogs(() => waha(wahaEvent(session, "WORKING", T0)));
    expect(response.status).toBe(200);
    expect(logs).toContain('"event":"session_cache.refresh_failed"');
  });
});
