/**
 * The contract (/work/shared/API.md) over real HTTP, against `wrangler dev` with the demo data:
 * chat `123456789@c.us` → client `abc123`, session `xyz789`; chat `555000111@c.us` without a client.
 */
import { describe, expect, inject, it } from "vitest";
import {
  bearer,
  CHALLENGE,
  CHALLENGE_INVALID_TOKEN,
  expectError,
  expectEveryResponseHeaders,
  expectRecord,
  request,
  viewPath,
} from "./support.ts";

const tokens = inject("tokens");
const DEMO = { id: "abc123", session_id: "xyz789" };

describe("GET /api/clients/view with a clients:read token", () => {
  it.each([
    ["123456789@c.us"],
    ["123456789@s.whatsapp.net"],
    ["123456789:12@s.whatsapp.net"],
    [" 123456789@c.us "],
  ])("answers 200 with client abc123 and session xyz789 for %j", async (chatId) => {
    expectRecord(await request(viewPath(chatId), { headers: bearer(tokens.readWrite) }), DEMO);
  });

  it("answers 404 Conversation not found for a chat no conversation has", async () => {
    const answer = await request(viewPath("999000999@c.us"), { headers: bearer(tokens.readWrite) });
    expectError(answer, 404, "Conversation not found");
  });

  it("answers 404 Client not found for 555000111@c.us, a conversation without a client", async () => {
    const answer = await request(viewPath("555000111@c.us"), { headers: bearer(tokens.readWrite) });
    expectError(answer, 404, "Client not found");
  });

  it.each([
    ["without chatId", "/api/clients/view"],
    ["with an empty chatId", "/api/clients/view?chatId="],
    ["with a chatId of white space only", "/api/clients/view?chatId=%20%20%09"],
  ])("answers 400 Chat ID is required %s", async (_, path) => {
    expectError(await request(path, { headers: bearer(tokens.readWrite) }), 400, "Chat ID is required");
  });

  it.each([
    ["digits too few for a phone number, without a server", viewPath("123456")],
    ["an unknown server", viewPath("123456789@example.com")],
    ["letters in the user part", viewPath("abc@c.us")],
    ["a chat id given twice", `${viewPath("123456789@c.us")}&chatId=123456789%40c.us`],
    ["a chat id of 161 characters", viewPath(`${"1".repeat(156)}@c.us`)],
  ])("answers 400 Invalid chat ID for %s", async (_, path) => {
    expectError(await request(path, { headers: bearer(tokens.readWrite) }), 400, "Invalid chat ID");
  });
});

describe("GET /api/clients/view authentication", () => {
  it("answers 401 with a bare Bearer challenge when no Authorization header is sent", async () => {
    const answer = await request(viewPath("123456789@c.us"));
    expectError(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE);
  });

  it("answers 401 with a bare Bearer challenge for an empty bearer token", async () => {
    const answer = await request(viewPath("123456789@c.us"), { headers: { Authorization: "Bearer " } });
    expectError(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE);
  });

  it("answers 401 for another scheme", async () => {
    const answer = await request(viewPath("123456789@c.us"), {
      headers: { Authorization: `Basic ${Buffer.from("user:password").toString("base64")}` },
    });
    expectError(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer realm="clients-api"/);
  });

  it.each([
    ["an unknown token", `csl_${"A".repeat(43)}`],
    ["a malformed token", "not a token!"],
  ])("answers 401 with error=invalid_token for %s", async (_, token) => {
    const answer = await request(viewPath("123456789@c.us"), { headers: bearer(token) });
    expectError(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID_TOKEN);
  });

  it("answers 401 with error=invalid_token for a token revoked with the token CLI", async () => {
    const answer = await request(viewPath("123456789@c.us"), { headers: bearer(tokens.revoked) });
    expectError(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID_TOKEN);
  });

  it("answers 401 before looking at the chat id", async () => {
    const answer = await request("/api/clients/view?chatId=not-a-chat-id");
    expectError(answer, 401, "Unauthorized");
    expect(answer.headers.get("www-authenticate")).toBe(CHALLENGE);
  });

  it("answers 403 Permission denied to a token with clients:write only", async () => {
    const answer = await request(viewPath("123456789@c.us"), { headers: bearer(tokens.writeOnly) });
    expectError(answer, 403, "Permission denied", { required_scope: "clients:read" });
  });

  it("answers 403 to a clients:write token before looking at the chat id", async () => {
    const answer = await request("/api/clients/view", { headers: bearer(tokens.writeOnly) });
    expectError(answer, 403, "Permission denied", { required_scope: "clients:read" });
  });
});

describe("GET /api/clients/view with a token limited to sessions", () => {
  it("shows abc123 to a token limited to xyz789, the session that serves it", async () => {
    const answer = await request(viewPath("123456789@c.us"), { headers: bearer(tokens.sessionXyz789) });
    expectRecord(answer, DEMO);
  });

  it("answers 404 Conversation not found to a token limited to another session, as for an unknown chat", async () => {
    const answer = await request(viewPath("123456789@c.us"), { headers: bearer(tokens.otherSession) });
    expectError(answer, 404, "Conversation not found");
  });
});

describe("Other methods and routes", () => {
  it.each([["POST"], ["PUT"], ["DELETE"], ["PATCH"]])(
    "answers 405 Method not allowed with Allow: GET to %s /api/clients/view",
    async (method) => {
      const answer = await request(viewPath("123456789@c.us"), { method, headers: bearer(tokens.readWrite) });
      expectError(answer, 405, "Method not allowed");
      expect(answer.headers.get("allow")).toBe("GET");
    },
  );

  it.each([["/"], ["/api"], ["/api/clients"], ["/api/clients/view/extra"], ["/nope"]])(
    "answers 404 Not found to GET %s",
    async (path) => {
      expectError(await request(path, { headers: bearer(tokens.readWrite) }), 404, "Not found");
    },
  );

  it("answers GET /health with 200 and no token", async () => {
    const answer = await request("/health");
    expect({ status: answer.status, body: answer.json }).toEqual({ status: 200, body: { status: "ok" } });
    expectEveryResponseHeaders(answer);
  });
});

describe("Request ids", () => {
  it("echoes a well-formed X-Request-Id", async () => {
    const answer = await request("/health", { headers: { "X-Request-Id": "bot-42_request-7" } });
    expect(answer.headers.get("x-request-id")).toBe("bot-42_request-7");
  });

  it("gives each request without one a new X-Request-Id", async () => {
    const [first, second] = await Promise.all([request("/health"), request("/health")]);
    expect(first.headers.get("x-request-id")).not.toBe(second.headers.get("x-request-id"));
  });
});
