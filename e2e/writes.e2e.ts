/**
 * The write endpoints over real HTTP: keeping the mapping, and every lookup answering the new
 * state at once. Works on fresh ids only, so the demo rows other files rely on stay as they are.
 */
import { describe, expect, inject, it } from "vitest";
import {
  bearer,
  expectError,
  expectEveryResponseHeaders,
  expectRecord,
  request,
  viewPath,
} from "./support.ts";

const tokens = inject("tokens");
const run = Date.now().toString().slice(-9);
const clientId = `e2e-client-${run}`;
const number = `49${run}01`;

function json(method: "PUT" | "DELETE", path: string, body?: unknown, token = tokens.readWrite) {
  return request(path, {
    method,
    headers: { ...bearer(token), "Content-Type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

describe("keeping the mapping over HTTP", () => {
  it("creates a client, links a chat in Baileys spelling, and the lookup answers it in any spelling", async () => {
    const created = await json("PUT", `/api/clients/${clientId}`, {
      session_id: "e2e-session-1",
      name: "E2E",
    });
    expect(created.status).toBe(200);
    expectEveryResponseHeaders(created);
    expect(created.json).toEqual({ success: true, record: { id: clientId, session_id: "e2e-session-1" } });
    expect(created.headers.get("x-d1-bookmark")).toBeTruthy();

    const linked = await json("PUT", `/api/conversations/${number}:5@s.whatsapp.net`, {
      client_id: clientId,
    });
    expect(linked.json).toEqual({
      success: true,
      record: { chat_id: `${number}@c.us`, client_id: clientId, aliases: [] },
    });

    for (const spelling of [`${number}@c.us`, `${number}@s.whatsapp.net`]) {
      expectRecord(await request(viewPath(spelling), { headers: bearer(tokens.readWrite) }), {
        id: clientId,
        session_id: "e2e-session-1",
      });
    }
  });

  it("answers a client's new session at once after a session change", async () => {
    await json("PUT", `/api/clients/${clientId}`, { session_id: "e2e-session-2" });
    expectRecord(await request(viewPath(`${number}@c.us`), { headers: bearer(tokens.readWrite) }), {
      id: clientId,
      session_id: "e2e-session-2",
    });
  });

  it("reads a write through its bookmark with Cache-Control: no-cache", async () => {
    const written = await json("PUT", `/api/clients/${clientId}`, { session_id: "e2e-session-3" });
    const bookmark = written.headers.get("x-d1-bookmark") ?? "";
    const answer = await request(viewPath(`${number}@c.us`), {
      headers: { ...bearer(tokens.readWrite), "Cache-Control": "no-cache", "x-d1-bookmark": bookmark },
    });
    expectRecord(answer, { id: clientId, session_id: "e2e-session-3" });
    expect(answer.headers.get("Server-Timing")).toMatch(/tier;desc="d1"/);
  });

  it("answers Client not found at once after the client is deleted, and 404 for a second delete", async () => {
    const deleted = await json("DELETE", `/api/clients/${clientId}`);
    expect(deleted.json).toEqual({ success: true });
    expectError(
      await request(viewPath(`${number}@c.us`), { headers: bearer(tokens.readWrite) }),
      404,
      "Client not found",
    );
    expectError(await json("DELETE", `/api/clients/${clientId}`), 404, "Client not found");
  });

  it("answers Conversation not found at once after the conversation is deleted", async () => {
    expect((await json("DELETE", `/api/conversations/${number}@c.us`)).json).toEqual({ success: true });
    expectError(
      await request(viewPath(`${number}@c.us`), { headers: bearer(tokens.readWrite) }),
      404,
      "Conversation not found",
    );
  });

  it("refuses bad writes with the contract's errors", async () => {
    expectError(
      await json("PUT", `/api/conversations/${number}@c.us`, { client_id: "nobody-here" }),
      404,
      "Client not found",
    );
    const invalid = await json("PUT", `/api/clients/${clientId}`, { sessionId: "x" });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ error: "Invalid request body", details: expect.any(Array) });
    expectError(await json("PUT", "/api/clients/bad%20id", { session_id: "x" }), 400, "Invalid client ID");
    expectError(
      await json("PUT", `/api/clients/${clientId}`, { session_id: "x", name: "n".repeat(20_000) }),
      413,
      "Request body too large",
    );
    expectError(
      await json("PUT", `/api/clients/${clientId}`, { session_id: "x" }, tokens.sessionXyz789),
      403,
      "Permission denied",
    );
    const wrongMethod = await request(`/api/conversations/${number}@c.us`, {
      method: "POST",
      headers: bearer(tokens.readWrite),
    });
    expectError(wrongMethod, 405, "Method not allowed");
    expect(wrongMethod.headers.get("Allow")).toBe("GET, PUT, DELETE");
  });
});
