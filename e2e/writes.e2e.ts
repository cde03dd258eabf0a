/**
 * The write endpoints over real HTTP: keeping the mapping, and every lookup answering the new
 * state at once. Each test makes its own client and chat with fresh ids, so that any one of
 * them runs alone, in any order, and the demo rows other files rely on stay as they are.
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

let counter = 0;
/** Fresh ids for one test: a client id and a phone number no other test uses. */
function freshIds() {
  const run = `${Date.now().toString().slice(-8)}${(counter++).toString().padStart(3, "0")}`;
  return { clientId: `e2e-client-${run}`, number: `49${run}` };
}

function json(method: "PUT" | "DELETE", path: string, body?: unknown, token = tokens.readWrite) {
  return request(path, {
    method,
    headers: { ...bearer(token), "Content-Type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const lookUp = (chatId: string, headers: Record<string, string> = {}) =>
  request(viewPath(chatId), { headers: { ...bearer(tokens.readWrite), ...headers } });

/** A client with session `session`, and its chat `N@c.us`, written through the API. */
async function mapping(session = "e2e-session-1") {
  const { clientId, number } = freshIds();
  expect((await json("PUT", `/api/clients/${clientId}`, { session_id: session })).status).toBe(200);
  expect((await json("PUT", `/api/conversations/${number}@c.us`, { client_id: clientId })).status).toBe(200);
  return { clientId, chatId: `${number}@c.us`, number };
}

describe("keeping the mapping over HTTP", () => {
  it("creates a client, links a chat in Baileys spelling, and the lookup answers it in any spelling", async () => {
    const { clientId, number } = freshIds();
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
      expectRecord(await lookUp(spelling), { id: clientId, session_id: "e2e-session-1" });
    }
  });

  it("answers a client's new session at once after a session change", async () => {
    const { clientId, chatId } = await mapping("e2e-before");
    expectRecord(await lookUp(chatId), { id: clientId, session_id: "e2e-before" });
    await json("PUT", `/api/clients/${clientId}`, { session_id: "e2e-after" });
    expectRecord(await lookUp(chatId), { id: clientId, session_id: "e2e-after" });
  });

  it("reads a write through its bookmark with Cache-Control: no-cache", async () => {
    const { clientId, chatId } = await mapping();
    const written = await json("PUT", `/api/clients/${clientId}`, { session_id: "e2e-session-3" });
    const bookmark = written.headers.get("x-d1-bookmark") ?? "";
    const answer = await lookUp(chatId, { "Cache-Control": "no-cache", "x-d1-bookmark": bookmark });
    expectRecord(answer, { id: clientId, session_id: "e2e-session-3" });
    expect(answer.headers.get("Server-Timing")).toMatch(/tier;desc="d1"/);
  });

  it("answers Client not found at once after the client is deleted, and 404 for a second delete", async () => {
    const { clientId, chatId } = await mapping();
    expect((await lookUp(chatId)).status).toBe(200);
    expect((await json("DELETE", `/api/clients/${clientId}`)).json).toEqual({ success: true });
    expectError(await lookUp(chatId), 404, "Client not found");
    expectError(await json("DELETE", `/api/clients/${clientId}`), 404, "Client not found");
  });

  it("answers Conversation not found at once after the conversation is deleted", async () => {
    const { chatId } = await mapping();
    expect((await lookUp(chatId)).status).toBe(200);
    expect((await json("DELETE", `/api/conversations/${chatId}`)).json).toEqual({ success: true });
    expectError(await lookUp(chatId), 404, "Conversation not found");
  });

  it("refuses bad writes with the contract's errors", async () => {
    const { clientId, number } = freshIds();
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
      { required_scope: "clients:write" },
    );
    const wrongMethod = await request(`/api/conversations/${number}@c.us`, {
      method: "PATCH",
      headers: bearer(tokens.readWrite),
    });
    expectError(wrongMethod, 405, "Method not allowed");
    expect(wrongMethod.headers.get("Allow")).toBe("GET, PUT, DELETE");
  });
});
