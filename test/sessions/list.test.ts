/**
 * `GET /api/sessions`: every session clients name or that reported, with its status and number
 * of clients; a session-limited token's only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { request, seedClient, seedToken } from "../helpers";
import { iso, putStatus, uniqueSession } from "./support";

let writer: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["sessions:write"] });
});

const T0 = Date.parse("2026-01-05T10:00:00Z");

interface Listed {
  id: string;
  status: string;
  since: string | null;
  clients: number;
}

async function list(token: string): Promise<Listed[]> {
  const response = await request("/api/sessions", { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { success: true; sessions: Listed[] };
  expect(body.success).toBe(true);
  return body.sessions;
}

describe("GET /api/sessions", () => {
  it("lists sessions with clients (UNKNOWN until reported) and reported ones without clients, by id", async () => {
    // Serving two clients, serving one and silent, reported without clients.
    const [a, b, c] = [uniqueSession(), uniqueSession(), uniqueSession()].sort() as [string, string, string];
    await seedClient({ sessionId: a });
    await seedClient({ sessionId: a });
    await seedClient({ sessionId: b });
    await putStatus(a, writer, { status: "WORKING", at: iso(T0) });
    await putStatus(c, writer, { status: "SCAN_QR_CODE", at: iso(T0 + 1000) });

    const sessions = await list(await seedToken());
    const mine = sessions.filter((session) => [a, b, c].includes(session.id));
    expect(mine).toEqual([
      { id: a, status: "WORKING", since: iso(T0), clients: 2 },
      { id: b, status: "UNKNOWN", since: null, clients: 1 },
      { id: c, status: "SCAN_QR_CODE", since: iso(T0 + 1000), clients: 0 },
    ]);
    const ids = sessions.map((session) => session.id);
    expect(ids).toEqual([...ids].sort());
  });

  it("shows a session-limited token only its sessions", async () => {
    const mine = uniqueSession();
    const other = uniqueSession();
    await seedClient({ sessionId: mine });
    await seedClient({ sessionId: other });
    await putStatus(other, writer, { status: "FAILED" });
    const limited = await seedToken({ sessions: [mine, uniqueSession()] });
    expect(await list(limited)).toEqual([{ id: mine, status: "UNKNOWN", since: null, clients: 1 }]);
  });

  it("answers 403 with the scope it needs for a token without clients:read", async () => {
    const response = await request("/api/sessions", { headers: { Authorization: `Bearer ${writer}` } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "clients:read" });
  });

  it("answers 401 without a token", async () => {
    const response = await request("/api/sessions");
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Unauthorized" });
  });
});
