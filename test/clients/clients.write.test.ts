import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  lookup,
  lookupCacheKey,
  request,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  uniqueId,
  write,
} from "../helpers";

let writer: string;
let reader: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["clients:read", "clients:write"] });
  reader = await seedToken({ scopes: ["clients:read"] });
});

async function storedClient(id: string) {
  return env.DB.prepare("SELECT id, session_id, name, phone FROM clients WHERE id = ?").bind(id).first();
}

describe("PUT /api/clients/{id}", () => {
  it("creates a client and answers its id and session", async () => {
    const id = uniqueId("client");
    const response = await write("PUT", `/api/clients/${id}`, writer, {
      session_id: "s-1",
      name: "Acme",
      phone: "+1 555 0100",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.json()).toEqual({ success: true, record: { id, session_id: "s-1" } });
    expect(await storedClient(id)).toEqual({ id, session_id: "s-1", name: "Acme", phone: "+1 555 0100" });
  });

  it("updates a client, keeping private fields the body leaves out", async () => {
    const id = uniqueId("client");
    await write("PUT", `/api/clients/${id}`, writer, { session_id: "s-1", name: "Acme" });
    const response = await write("PUT", `/api/clients/${id}`, writer, { session_id: "s-2" });
    expect(await response.json()).toEqual({ success: true, record: { id, session_id: "s-2" } });
    expect(await storedClient(id)).toMatchObject({ session_id: "s-2", name: "Acme" });
  });

  it("returns an x-d1-bookmark for reading this write from any replica", async () => {
    const response = await write("PUT", `/api/clients/${uniqueId("client")}`, writer, { session_id: "s-1" });
    expect(response.headers.get("x-d1-bookmark")).toMatch(/^[0-9a-f-]+$/i);
  });

  it("answers the new session at once for every cached chat of a client whose session changes", async () => {
    const client = await seedClient({ sessionId: "old-session" });
    const chats = [
      await seedConversation({ clientId: client.id }),
      await seedConversation({ clientId: client.id }),
    ];
    for (const chat of chats) expect((await lookup(chat.chatId, reader)).status).toBe(200);

    await write("PUT", `/api/clients/${client.id}`, writer, { session_id: "new-session" });

    for (const chat of chats) {
      expect(await (await lookup(chat.chatId, reader)).json()).toEqual({
        success: true,
        record: { id: client.id, session_id: "new-session" },
      });
      expect(await env.CACHE.get(await lookupCacheKey(chat.chatId), "json")).toEqual({
        id: client.id,
        session_id: "new-session",
      });
    }
  });

  it.each([
    ["malformed JSON", "{not json"],
    ["an array", "[]"],
    ["no session_id", { name: "Acme" }],
    ["an empty session_id", { session_id: "  " }],
    ["a session_id that is not a string", { session_id: 42 }],
    ["a session_id over 128 characters", { session_id: "s".repeat(129) }],
    ["a field the API does not know", { session_id: "s-1", sessionId: "s-1" }],
    ["a control character in a private field", { session_id: "s-1", name: "a\u0000b" }],
    ["a lone surrogate in the session id", '{"session_id":"a\\ud800b"}'],
    ["a lone surrogate in the name", '{"session_id":"s-1","name":"a\\udc00b"}'],
    ["a lone surrogate in the phone", '{"session_id":"s-1","phone":"\\ud83d"}'],
  ])("answers 400 Invalid request body for %s", async (_, body) => {
    const response = await write("PUT", `/api/clients/${uniqueId("client")}`, writer, body);
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: string; details?: { path: string; message: string }[] };
    expect(json.error).toBe("Invalid request body");
    expect(Array.isArray(json.details)).toBe(true);
  });

  it.each([
    ["a form body", "application/x-www-form-urlencoded"],
    ["plain text", "text/plain"],
    ["a JSON merge patch", "application/merge-patch+json"],
    ["JSON in another charset", "application/json; charset=utf-16"],
    ["no Content-Type", ""],
  ])("answers 400 Invalid request body for %s", async (_, contentType) => {
    const response = await request(`/api/clients/${uniqueId("client")}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${writer}`, "Content-Type": contentType },
      body: contentType.includes("json") ? '{"session_id":"s-1"}' : "session_id=s-1",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "Invalid request body",
      details: [{ path: "", message: "Content-Type must be application/json" }],
    });
  });

  it.each(["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"])(
    "accepts %s",
    async (contentType) => {
      const id = uniqueId("client");
      const response = await request(`/api/clients/${id}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${writer}`, "Content-Type": contentType },
        body: '{"session_id":"s-1","name":"Café 😀"}',
      });
      expect(response.status).toBe(200);
      expect(await storedClient(id)).toMatchObject({ name: "Café 😀" });
    },
  );

  it("answers 400 Invalid request body for a body that is not UTF-8, and stores nothing", async () => {
    const id = uniqueId("client");
    // `{"session_id":"` + 0xFF + `"}`: a lenient decoder would store U+FFFD in its place.
    const body = new Uint8Array([...new TextEncoder().encode('{"session_id":"'), 0xff, 0x22, 0x7d]);
    const response = await request(`/api/clients/${id}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${writer}`, "Content-Type": "application/json" },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "Invalid request body",
      details: [{ path: "", message: "Body is not valid UTF-8" }],
    });
    expect(await storedClient(id)).toBeNull();
  });

  it("answers 400 Invalid request body for a PUT without a body", async () => {
    const response = await request(`/api/clients/${uniqueId("client")}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${writer}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "Invalid request body" });
  });

  it("names the field at fault in the details", async () => {
    const response = await write("PUT", `/api/clients/${uniqueId("client")}`, writer, { session_id: 42 });
    const json = (await response.json()) as { details: { path: string }[] };
    expect(json.details.map((detail) => detail.path)).toContain("session_id");
  });

  it.each([
    ["with a space", "a%20b"],
    ["over 128 characters", "c".repeat(129)],
    ["starting with a dot", ".hidden"],
  ])("answers 400 Invalid client ID for an id %s", async (_, id) => {
    const response = await write("PUT", `/api/clients/${id}`, writer, { session_id: "s-1" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid client ID" });
  });

  it("answers 413 for a body over 16 KiB, as JSON", async () => {
    const response = await write("PUT", `/api/clients/${uniqueId("client")}`, writer, {
      session_id: "s-1",
      name: "n".repeat(20_000),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "Request body too large" });
  });

  it("answers 403 to a token without clients:write, and stores nothing", async () => {
    const id = uniqueId("client");
    const response = await write("PUT", `/api/clients/${id}`, reader, { session_id: "s-1" });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "clients:write" });
    expect(await storedClient(id)).toBeNull();
  });

  it("answers 403 to a session-limited token: writes need a token without limits", async () => {
    const limited = await seedToken({ scopes: ["clients:write"], sessions: ["s-1"] });
    const response = await write("PUT", `/api/clients/${uniqueId("client")}`, limited, { session_id: "s-1" });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "clients:write" });
  });

  it("answers 401 without a token", async () => {
    const response = await write("PUT", `/api/clients/${uniqueId("client")}`, "", { session_id: "s-1" });
    expect(response.status).toBe(401);
  });
});

describe("DELETE /api/clients/{id}", () => {
  it("deletes the client, keeps its conversations unlinked, and answers Client not found at once", async () => {
    const { chatId, record } = await seedLinkedChat();
    expect((await lookup(chatId, reader)).status).toBe(200);

    const response = await write("DELETE", `/api/clients/${record.id}`, writer);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    expect(response.headers.get("x-d1-bookmark")).toBeTruthy();

    expect(await storedClient(record.id)).toBeNull();
    const conversation = await env.DB.prepare("SELECT client_id FROM conversation WHERE chat_id = ?")
      .bind(chatId)
      .first();
    expect(conversation).toEqual({ client_id: null });
    const after = await lookup(chatId, reader);
    expect(after.status).toBe(404);
    expect(await after.json()).toEqual({ error: "Client not found" });
    expect(await env.CACHE.get(await lookupCacheKey(chatId))).toBeNull();
  });

  it("answers 404 Client not found for an id no client has", async () => {
    const response = await write("DELETE", `/api/clients/${uniqueId("nobody")}`, writer);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Client not found" });
  });
});

describe("methods on /api/clients", () => {
  it.each(["POST", "PUT", "DELETE"])(
    "answers %s /api/clients/view with 405 and Allow: GET",
    async (method) => {
      const response = await write(method as "PUT", "/api/clients/view", writer, { session_id: "s-1" });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("GET");
      expect(await storedClient("view")).toBeNull();
    },
  );

  it.each(["GET", "POST", "PATCH"])(
    "answers %s /api/clients/{id} with 405 and Allow: PUT, DELETE",
    async (method) => {
      const response = await fetchWith(method, `/api/clients/${uniqueId("client")}`);
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("PUT, DELETE");
      expect(await response.json()).toEqual({ error: "Method not allowed" });
    },
  );
});

function fetchWith(method: string, path: string) {
  return request(path, { method, headers: { Authorization: `Bearer ${writer}` } });
}
