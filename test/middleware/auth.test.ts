import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/sha256";
import {
  lookup,
  ManualClock,
  request,
  seedConversation,
  seedLinkedChat,
  seedToken,
  useWorker,
} from "../helpers";

const REALM = 'Bearer realm="clients-api"';
const INVALID_TOKEN = 'Bearer realm="clients-api", error="invalid_token"';
const DAY = 86_400_000;

let chatId: string;
let record: { id: string; session_id: string };
beforeAll(async () => {
  ({ chatId, record } = await seedLinkedChat());
});

function viewWith(headers: Record<string, string>, query = `chatId=${chatId}`) {
  return request(`/api/clients/view?${query}`, { headers });
}

async function expectUnauthorized(response: Response, challenge: string) {
  expect(response.status).toBe(401);
  expect(response.headers.get("WWW-Authenticate")).toBe(challenge);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(await response.json()).toEqual({ error: "Unauthorized" });
}

describe("authentication of /api routes", () => {
  it("answers 401 with a realm challenge when no Authorization header is sent", async () => {
    await expectUnauthorized(await viewWith({}), REALM);
  });

  it.each([
    ["another scheme", "Basic dXNlcjpwYXNz"],
    ["an empty bearer token", "Bearer "],
    ["the scheme alone", "Bearer"],
  ])("answers 401 without invalid_token for %s", async (_, authorization) => {
    await expectUnauthorized(await viewWith({ Authorization: authorization }), REALM);
  });

  it("answers 401 invalid_token for a token nobody issued", async () => {
    await expectUnauthorized(await lookup(chatId, "csl_not-a-real-token"), INVALID_TOKEN);
  });

  it("answers 401 invalid_token for a token with characters no token has", async () => {
    await expectUnauthorized(await viewWith({ Authorization: "Bearer abc<def>" }), INVALID_TOKEN);
  });

  it("answers 401 invalid_token for an expired token", async () => {
    const token = await seedToken({ expiresAt: new Date(Date.now() - 1000) });
    await expectUnauthorized(await lookup(chatId, token), INVALID_TOKEN);
  });

  it("accepts a token whose expiry is still ahead", async () => {
    const token = await seedToken({ expiresAt: new Date(Date.now() + DAY) });
    expect((await lookup(chatId, token)).status).toBe(200);
  });

  it("answers 401 invalid_token for a revoked token", async () => {
    const token = await seedToken({ revokedAt: new Date(Date.now() - 1000) });
    await expectUnauthorized(await lookup(chatId, token), INVALID_TOKEN);
  });

  it("stops accepting a token within 60 seconds of its revocation", async () => {
    const clock = new ManualClock();
    useWorker({ clock });
    const token = await seedToken();
    expect((await lookup(chatId, token)).status).toBe(200);
    await env.DB.prepare("UPDATE api_tokens SET revoked_at = ? WHERE token_hash = ?")
      .bind(Date.now(), await sha256Hex(token))
      .run();
    // This instance remembers the token it checked for 30 s: no storage round trip till then.
    await clock.advance(29_999);
    expect((await lookup(chatId, token)).status).toBe(200);
    await clock.advance(1);
    await expectUnauthorized(await lookup(chatId, token), INVALID_TOKEN);
  });

  it("stops accepting a token once its expiry passes, even while this instance remembers it", async () => {
    const clock = new ManualClock();
    useWorker({ clock });
    const token = await seedToken({ expiresAt: new Date(clock.now() + 10_000) });
    expect((await lookup(chatId, token)).status).toBe(200);
    await clock.advance(10_000);
    await expectUnauthorized(await lookup(chatId, token), INVALID_TOKEN);
  });

  it("accepts the scheme name in any case", async () => {
    const token = await seedToken();
    expect((await viewWith({ Authorization: `bearer ${token}` })).status).toBe(200);
  });

  it("ignores a token sent in the query string", async () => {
    const token = await seedToken();
    const response = await viewWith({}, `chatId=${chatId}&access_token=${token}&token=${token}`);
    await expectUnauthorized(response, REALM);
  });

  it("checks authentication before the input: no token and a bad chat id answer 401", async () => {
    await expectUnauthorized(await viewWith({}, "chatId=nonsense"), REALM);
  });
});

describe("authorization of the lookup", () => {
  it("answers 403 Permission denied to a token without clients:read", async () => {
    const token = await seedToken({ scopes: ["clients:write"] });
    const response = await lookup(chatId, token);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "clients:read" });
  });

  it("checks the scope before the input: a write-only token and a bad chat id answer 403", async () => {
    const token = await seedToken({ scopes: ["clients:write"] });
    const response = await viewWith({ Authorization: `Bearer ${token}` }, "chatId=nonsense");
    expect(response.status).toBe(403);
  });

  it("shows a session-limited token the clients of its sessions", async () => {
    const token = await seedToken({ sessions: [record.session_id, "another-session"] });
    const response = await lookup(chatId, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
  });

  it("shows a session-limited token another session's client exactly as an unknown chat", async () => {
    const token = await seedToken({ sessions: ["some-other-session"] });
    const response = await lookup(chatId, token);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Conversation not found" });
  });

  it("shows a session-limited token a chat without a client as an unknown chat", async () => {
    const unlinked = await seedConversation({ clientId: null });
    const token = await seedToken({ sessions: [record.session_id] });
    const response = await lookup(unlinked.chatId, token);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Conversation not found" });
  });

  it("keeps the session limit when the answer comes from the cache", async () => {
    const open = await seedToken();
    expect((await lookup(chatId, open)).status).toBe(200);
    const limited = await seedToken({ sessions: ["some-other-session"] });
    expect((await lookup(chatId, limited)).status).toBe(404);
  });
});
