/**
 * `PUT /api/sessions/{sessionId}/status`: the statuses, the ordering of reports by their time,
 * what is stored, and who may report what.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ManualClock, request, seedToken, useWorker, watchD1 } from "../helpers";
import { iso, putStatus, storedSession, uniqueSession } from "./support";

let writer: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["sessions:write"] });
});

// In the past, whenever the tests run: a future time would count as now.
const T0 = Date.parse("2026-01-05T10:00:00Z");

describe("PUT /api/sessions/{sessionId}/status", () => {
  it.each(["WORKING", "STARTING", "SCAN_QR_CODE", "FAILED", "STOPPED"])(
    "records %s for a session nobody reported yet, since the report's time",
    async (status) => {
      const session = uniqueSession();
      const response = await putStatus(session, writer, { status, at: iso(T0) });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        success: true,
        record: { id: session, status, since: iso(T0) },
      });
      expect(response.headers.get("x-d1-bookmark")).toBeTruthy();
      expect(await storedSession(session)).toEqual({ id: session, status, since: T0, reported_at: T0 });
    },
  );

  it("dates a report without `at` now, and one in the future now too", async () => {
    const clock = new ManualClock(T0);
    useWorker({ clock });
    const session = uniqueSession();
    expect(await (await putStatus(session, writer, { status: "STARTING" })).json()).toMatchObject({
      record: { status: "STARTING", since: iso(T0) },
    });
    await clock.advance(1000);
    const future = await putStatus(session, writer, { status: "WORKING", at: iso(T0 + 3_600_000) });
    expect(await future.json()).toMatchObject({ record: { status: "WORKING", since: iso(T0 + 1000) } });
    // A report at the time it arrived still wins over the future one, which counted as now.
    const next = await putStatus(session, writer, { status: "FAILED", at: iso(T0 + 1000) });
    expect(await next.json()).toMatchObject({ record: { status: "FAILED", since: iso(T0 + 1000) } });
  });

  it("lets the newest report by its time win: an older one changes nothing and answers the stored status", async () => {
    const session = uniqueSession();
    await putStatus(session, writer, { status: "WORKING", at: iso(T0 + 2000) });
    const older = await putStatus(session, writer, { status: "FAILED", at: iso(T0 + 1000) });
    expect(older.status).toBe(200);
    expect(await older.json()).toEqual({
      success: true,
      record: { id: session, status: "WORKING", since: iso(T0 + 2000) },
    });
    expect(await storedSession(session)).toMatchObject({ status: "WORKING", reported_at: T0 + 2000 });
  });

  it("applies reports of equal times in arrival order", async () => {
    const session = uniqueSession();
    await putStatus(session, writer, { status: "WORKING", at: iso(T0) });
    const second = await putStatus(session, writer, { status: "STOPPED", at: iso(T0) });
    expect(await second.json()).toMatchObject({ record: { status: "STOPPED", since: iso(T0) } });
    const third = await putStatus(session, writer, { status: "WORKING", at: iso(T0) });
    expect(await third.json()).toMatchObject({ record: { status: "WORKING", since: iso(T0) } });
  });

  it("keeps `since` when a session reports the status it has, and orders by the newest report", async () => {
    const session = uniqueSession();
    await putStatus(session, writer, { status: "WORKING", at: iso(T0) });
    const again = await putStatus(session, writer, { status: "WORKING", at: iso(T0 + 5000) });
    expect(await again.json()).toMatchObject({ record: { status: "WORKING", since: iso(T0) } });
    // Between the two WORKING reports: older than the newest, so it changes nothing.
    const between = await putStatus(session, writer, { status: "FAILED", at: iso(T0 + 3000) });
    expect(await between.json()).toMatchObject({ record: { status: "WORKING", since: iso(T0) } });
    expect(await storedSession(session)).toEqual({
      id: session,
      status: "WORKING",
      since: T0,
      reported_at: T0 + 5000,
    });
  });

  it("writes in one D1 batch, which a trigger on sessions sees", async () => {
    const session = uniqueSession();
    const statements = watchD1();
    await putStatus(session, writer, { status: "WORKING", at: iso(T0) });
    const writes = statements.filter((sql) => /insert into "sessions"/i.test(sql));
    expect(writes).toHaveLength(1);
  });

  it.each([
    ["a status outside the list", { status: "CONNECTED" }, "status"],
    ["UNKNOWN, which only a session never reported has", { status: "UNKNOWN" }, "status"],
    ["no status", { at: "2026-12-05T10:00:00Z" }, "status"],
    ["a time that is not ISO 8601", { status: "WORKING", at: "yesterday" }, "at"],
    ["a time without its offset", { status: "WORKING", at: "2026-12-05T10:00:00" }, "at"],
    ["an unknown field", { status: "WORKING", note: "x" }, ""],
  ])("answers 400 Invalid request body with details for %s, and stores nothing", async (_, body, path) => {
    const session = uniqueSession();
    const response = await putStatus(session, writer, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "Invalid request body",
      details: [expect.objectContaining({ path })],
    });
    expect(await storedSession(session)).toBeNull();
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await putStatus(uniqueSession(), writer, "{status:");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "Invalid request body" });
  });

  it.each([
    ["longer than 128 characters", "s".repeat(129)],
    ["with a control character", "session\u0007"],
    ["with surrounding white space", " session "],
  ])("answers 400 Invalid session ID for a session id %s", async (_, sessionId) => {
    const response = await putStatus(sessionId, writer, { status: "WORKING" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid session ID" });
  });

  it("answers 401 without a token and 403 with the scope it needs for a token without sessions:write", async () => {
    const session = uniqueSession();
    const unauthenticated = await request(`/api/sessions/${session}/status`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ status: "WORKING" }),
    });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("WWW-Authenticate")).toBe('Bearer realm="clients-api"');

    for (const scopes of [["clients:read"], ["clients:write"]] as const) {
      const response = await putStatus(session, await seedToken({ scopes: [...scopes] }), {
        status: "WORKING",
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "sessions:write" });
    }
    expect(await storedSession(session)).toBeNull();
  });

  it("lets a session-limited token report its sessions, and answers 403 for another", async () => {
    const mine = uniqueSession();
    const other = uniqueSession();
    const limited = await seedToken({ scopes: ["sessions:write"], sessions: [mine] });
    expect((await putStatus(mine, limited, { status: "WORKING" })).status).toBe(200);
    const refused = await putStatus(other, limited, { status: "WORKING" });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "Permission denied", required_scope: "sessions:write" });
    expect(await storedSession(other)).toBeNull();
  });

  it("answers 413 for a body over 16 KiB", async () => {
    const response = await putStatus(uniqueSession(), writer, {
      status: "WORKING",
      padding: "x".repeat(17_000),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "Request body too large" });
  });

  it("answers 405 with Allow: PUT for another method", async () => {
    const response = await request(`/api/sessions/${uniqueSession()}/status`, { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("PUT");
  });
});
