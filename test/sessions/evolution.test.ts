/**
 * `POST /webhooks/evolution` and `/webhooks/evolution/{event}`: Evolution API's
 * `connection.update` events as Evolution posts them (fixtures), its states and status reasons
 * mapped, ordered by arrival, every other event ignored, and its `apikey` never kept.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { captureLogs, ManualClock, request, seedToken, useWorker, watchD1 } from "../helpers";
import { evolutionEvent, fixtures, iso, postWebhook, storedSession, uniqueSession } from "./support";

let writer: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["sessions:write"] });
});

const T0 = Date.parse("2026-01-05T10:00:00Z");
const APIKEY = fixtures.evolutionOpen.apikey;
const touchesSessions = (sql: string) => /\b(into|from|update) "sessions"/i.test(sql);
const evolution = (body: unknown, path = "/webhooks/evolution", token = writer) =>
  postWebhook(path, token, body);

describe("POST /webhooks/evolution", () => {
  it("records Evolution's connection.update as Evolution posts it, at the time it arrived", async () => {
    const clock = new ManualClock(T0);
    useWorker({ clock });
    const event = fixtures.evolutionOpen;
    const response = await evolution(event);
    expect(response.status).toBe(200);
    // Not `date_time`: Evolution's server clock, often hours off.
    expect(await response.json()).toEqual({
      success: true,
      record: { id: event.instance, status: "WORKING", since: iso(T0) },
    });
  });

  it.each([
    ["open", 200, "WORKING"],
    ["connecting", 200, "STARTING"],
    ["connecting", undefined, "STARTING"],
    ["close", 401, "FAILED"],
    ["close", 402, "FAILED"],
    ["close", 403, "FAILED"],
    ["close", 406, "FAILED"],
    ["close", 408, "STOPPED"],
    ["close", 428, "STOPPED"],
    ["close", 515, "STOPPED"],
    ["close", undefined, "STOPPED"],
    ["refused", 428, "FAILED"],
  ])("maps state %s with status reason %s to %s", async (state, reason, expected) => {
    const session = uniqueSession();
    const response = await evolution(evolutionEvent(session, state, reason));
    expect(await response.json()).toMatchObject({ record: { id: session, status: expected } });
  });

  it("reads a status reason sent as text", async () => {
    const session = uniqueSession();
    const event = evolutionEvent(session, "close");
    const response = await evolution({ ...event, data: { ...event.data, statusReason: "401" } });
    expect(await response.json()).toMatchObject({ record: { status: "FAILED" } });
  });

  it("takes the event's name as Evolution spells it in any version", async () => {
    const session = uniqueSession();
    const response = await evolution({ ...evolutionEvent(session, "open"), event: "CONNECTION_UPDATE" });
    expect(await response.json()).toMatchObject({ record: { status: "WORKING" } });
  });

  it("applies events in the order they arrive, equal times included, whatever their date_time", async () => {
    const clock = new ManualClock(T0);
    useWorker({ clock });
    const session = uniqueSession();
    const answer = async (state: string, reason?: number, dateTime?: string) => {
      const event = { ...evolutionEvent(session, state, reason), ...(dateTime && { date_time: dateTime }) };
      return ((await (await evolution(event)).json()) as { record: { status: string; since: string } })
        .record;
    };
    expect(await answer("connecting", 200, "2026-12-31T00:00:00.000Z")).toEqual({
      id: session,
      status: "STARTING",
      since: iso(T0),
    });
    // The same millisecond: arrival order decides.
    expect(await answer("open", 200, "2020-01-01T00:00:00.000Z")).toMatchObject({ status: "WORKING" });
    await clock.advance(60_000);
    expect(await answer("close", 401)).toEqual({ id: session, status: "FAILED", since: iso(T0 + 60_000) });
    await clock.advance(1000);
    expect(await answer("close", 401)).toEqual({ id: session, status: "FAILED", since: iso(T0 + 60_000) });
  });

  it("takes events posted to /webhooks/evolution/{event} (webhook by events) as the same endpoint", async () => {
    const session = uniqueSession();
    const byEvent = await evolution(evolutionEvent(session, "open"), "/webhooks/evolution/connection-update");
    expect(await byEvent.json()).toMatchObject({ record: { id: session, status: "WORKING" } });
    // The body decides, not the path.
    const other = await evolution(
      evolutionEvent(session, "close", 401),
      "/webhooks/evolution/messages-upsert",
    );
    expect(await other.json()).toMatchObject({ record: { status: "FAILED" } });
    const ignored = await evolution(fixtures.evolutionQrCode, "/webhooks/evolution/connection-update");
    expect(await ignored.json()).toEqual({ success: true });
  });

  it.each([
    ["qrcode.updated", fixtures.evolutionQrCode],
    ["messages.upsert", fixtures.evolutionMessage],
    ["application.startup", { event: "application.startup", instance: "acme-main", data: {} }],
  ])("answers 200 to a %s event and changes nothing", async (_, event) => {
    const statements = watchD1();
    const response = await evolution(event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    expect(statements.filter(touchesSessions)).toEqual([]);
  });

  it.each(["disconnected", "unknown"])("ignores a state it does not know (%s)", async (state) => {
    const session = uniqueSession();
    const response = await evolution(evolutionEvent(session, state));
    expect(await response.json()).toEqual({ success: true });
    expect(await storedSession(session)).toBeNull();
  });

  it("answers 200 to a body over 1 MiB (a media event) and changes nothing", async () => {
    const session = uniqueSession();
    const media = { ...fixtures.evolutionMessage, data: { base64: "A".repeat(1024 * 1024) } };
    expect(await (await evolution(media)).json()).toEqual({ success: true });
    const big = { ...evolutionEvent(session, "open"), padding: "x".repeat(1024 * 1024) };
    expect(await (await evolution(big)).json()).toEqual({ success: true });
    expect(await storedSession(session)).toBeNull();
  });

  it.each([
    ["no instance", (event: Record<string, unknown>) => ({ ...event, instance: undefined }), "instance"],
    ["no data", (event: Record<string, unknown>) => ({ ...event, data: undefined }), "data"],
    [
      "no state",
      (event: Record<string, unknown>) => ({ ...event, data: { statusReason: 200 } }),
      "data.state",
    ],
    [
      "a status reason that is not a code",
      (event: Record<string, unknown>) => ({
        ...event,
        data: { state: "close", statusReason: "logged out" },
      }),
      "data.statusReason",
    ],
  ])(
    "answers 400 Invalid request body for a connection.update with %s, without its apikey",
    async (_, change, path) => {
      const session = uniqueSession();
      const { result: response, logs } = await captureLogs(() =>
        evolution(change(evolutionEvent(session, "open"))),
      );
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: "Invalid request body",
        details: [expect.objectContaining({ path })],
      });
      expect(text).not.toContain(APIKEY);
      expect(logs).not.toContain(APIKEY);
      expect(await storedSession(session)).toBeNull();
    },
  );

  it("never stores, logs or answers the body's apikey", async () => {
    const session = uniqueSession();
    const { result: response, logs } = await captureLogs(() => evolution(evolutionEvent(session, "open")));
    expect(await response.text()).not.toContain(APIKEY);
    expect(logs).not.toContain(APIKEY);
    expect(logs).not.toContain(fixtures.evolutionOpen.sender.split("@")[0]);
    const stored = await storedSession(session);
    expect(JSON.stringify(stored)).not.toContain(APIKEY);
  });

  it("answers 401 without a token, 403 without sessions:write, and 403 for another session's event", async () => {
    const session = uniqueSession();
    const body = JSON.stringify(evolutionEvent(session, "open"));
    expect((await request("/webhooks/evolution", { method: "POST", body })).status).toBe(401);
    const reader = await seedToken({ scopes: ["clients:read"] });
    const refused = await evolution(body, "/webhooks/evolution/connection-update", reader);
    expect(await refused.json()).toEqual({ error: "Permission denied", required_scope: "sessions:write" });
    const limited = await seedToken({ scopes: ["sessions:write"], sessions: [uniqueSession()] });
    const other = await evolution(body, "/webhooks/evolution", limited);
    expect(other.status).toBe(403);
    expect(await storedSession(session)).toBeNull();
  });

  it("answers 405 with Allow: POST on both paths", async () => {
    for (const path of ["/webhooks/evolution", "/webhooks/evolution/connection-update"]) {
      const response = await request(path, { method: "PUT" });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("POST");
    }
  });
});
