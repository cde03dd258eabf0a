/**
 * Webhook subscriptions: created with a `whsec_` secret shown once, updated, listed without
 * secrets, deleted; patterns and URLs checked; at most 20; a token without session limits only.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { request, seedToken, uniqueId, useWorker, write } from "../helpers";

let writer: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["clients:write"] });
});
// The limit counts every subscription of the database: each test leaves none behind.
afterEach(async () => {
  await env.DB.prepare("DELETE FROM webhooks").run();
});

const URL = "https://crm.example.com/hooks/whatsapp";
const put = (name: string, body: unknown, token = writer) =>
  write("PUT", `/api/webhooks/${name}`, token, body);
const list = async () =>
  (await (await request("/api/webhooks", { headers: { Authorization: `Bearer ${writer}` } })).json()) as {
    webhooks: unknown[];
  };

describe("PUT /api/webhooks/{name}", () => {
  it("creates a subscription and shows its secret once; a second PUT updates it without one", async () => {
    const name = uniqueId("crm");
    const created = await put(name, { url: URL, events: ["conversation.*", "session.status"] });
    expect(created.status).toBe(200);
    const body = (await created.json()) as { secret: string };
    expect(body).toEqual({
      success: true,
      record: { name, url: URL, events: ["conversation.*", "session.status"] },
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });

    const updated = await put(name, { url: `${URL}/v2`, events: ["*"] });
    expect(await updated.json()).toEqual({
      success: true,
      record: { name, url: `${URL}/v2`, events: ["*"] },
    });
    expect(await list()).toEqual({
      success: true,
      webhooks: [{ name, url: `${URL}/v2`, events: ["*"], disabled: false }],
    });
    const stored = await env.DB.prepare("SELECT secret FROM webhooks WHERE name = ?").bind(name).first();
    expect(stored).toEqual({ secret: body.secret });
  });

  it.each([
    ["an unknown type", ["conversation.moved"], "events.0"],
    ["an unknown prefix", ["customer.*"], "events.0"],
    ["a pattern of another shape", ["conversation.linked.*"], "events.0"],
    ["no event at all", [], "events"],
  ])("answers 400 for %s", async (_, events, path) => {
    const response = await put(uniqueId("crm"), { url: URL, events });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "Invalid request body", details: [{ path }] });
    expect(await list()).toEqual({ success: true, webhooks: [] });
  });

  it.each([
    ["plain http", "http://crm.example.com/hook"],
    ["another scheme", "ftp://crm.example.com/hook"],
    ["not a URL", "crm.example.com/hook"],
    ["a user and password", "https://user:secret@crm.example.com/hook"],
    ["a local address without a port", "http://127.0.0.1/hook"],
  ])("answers 400 for %s", async (_, url) => {
    const response = await put(uniqueId("crm"), { url, events: ["*"] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: "Invalid request body",
      details: [{ path: "url" }],
    });
  });

  it("accepts http://127.0.0.1:PORT and http://localhost:PORT where ALLOW_LOCAL_WEBHOOKS is set", async () => {
    for (const url of ["http://127.0.0.1:8789/hook", "http://localhost:3000/"]) {
      expect((await put(uniqueId("local"), { url, events: ["*"] })).status).toBe(200);
    }
  });

  it("refuses them where it is not, as in a deployment", async () => {
    useWorker({ vars: { ALLOW_LOCAL_WEBHOOKS: "false" } });
    const response = await put(uniqueId("local"), { url: "http://127.0.0.1:8789/hook", events: ["*"] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      details: [{ path: "url", message: expect.stringContaining("https://") }],
    });
  });

  it("refuses a 21st subscription, and still updates the 20 there are", async () => {
    const names = Array.from({ length: 20 }, (_, index) => `hook-${String(index).padStart(2, "0")}`);
    for (const name of names) expect((await put(name, { url: URL, events: ["*"] })).status).toBe(200);
    const refused = await put("hook-20", { url: URL, events: ["*"] });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: "Too many webhooks" });
    expect((await put("hook-07", { url: `${URL}/7`, events: ["client.*"] })).status).toBe(200);
    expect((await list()).webhooks).toHaveLength(20);
  });

  it("answers 400 for a name it cannot take", async () => {
    const response = await put("-bad", { url: URL, events: ["*"] });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid webhook name" });
  });

  it("refuses a session-limited token", async () => {
    const limited = await seedToken({ scopes: ["clients:write"], sessions: ["s-1"] });
    for (const response of [
      await put(uniqueId("crm"), { url: URL, events: ["*"] }, limited),
      await request("/api/webhooks", { headers: { Authorization: `Bearer ${limited}` } }),
      await write("DELETE", "/api/webhooks/crm", limited),
    ]) {
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: "Permission denied", required_scope: "clients:write" });
    }
  });
});

describe("DELETE /api/webhooks/{name}", () => {
  it("deletes a subscription; a second delete answers 404", async () => {
    const name = uniqueId("crm");
    await put(name, { url: URL, events: ["*"] });
    const deleted = await write("DELETE", `/api/webhooks/${name}`, writer);
    expect(await deleted.json()).toEqual({ success: true });
    const again = await write("DELETE", `/api/webhooks/${name}`, writer);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: "Webhook not found" });
    expect(await list()).toEqual({ success: true, webhooks: [] });
  });
});
