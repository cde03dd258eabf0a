/**
 * What a cold start builds. Building zod schemas was most of the Worker's startup CPU, so each
 * route builds its request schemas at its first request instead: an isolate that serves only
 * lookups never builds the writes'. The routes' trie, too, is built by the first request.
 * (The bundle's size is guarded by e2e/bundle-size.e2e.ts.)
 *
 * Every schema here is described with `.meta()`, which registers it in zod's global registry:
 * a spy on the registry's public `add` sees each one being built, and a fresh import of the
 * Worker sees what its startup builds.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import * as z from "zod";
import { BASE_URL, seedLinkedChat, seedToken, uniqueId } from "./helpers";

/** The names of the schemas built since `registry` started spying. */
function builtNames(registry: { mock: { calls: unknown[][] } }): string[] {
  return registry.mock.calls.flatMap(([, meta]) => {
    const id = (meta as { id?: unknown } | undefined)?.id;
    return typeof id === "string" ? [id] : [];
  });
}

describe("a cold start", () => {
  it("builds no schema; a route's first request builds its own and no other's", async () => {
    const registry = vi.spyOn(z.globalRegistry, "add");
    vi.resetModules();
    const { createWorker } = await import("../src/index");
    const app = createWorker({ settleDelayMs: 0 });
    expect(registry).not.toHaveBeenCalled();

    const running: Promise<unknown>[] = [];
    const context = {
      waitUntil: (work: Promise<unknown>) => running.push(work),
      passThroughOnException: () => {},
      props: {},
    } as unknown as ExecutionContext;
    const send = async (path: string, token: string, init: RequestInit = {}) => {
      const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
      const response = await app.fetch(new Request(`${BASE_URL}${path}`, { ...init, headers }), env, context);
      await Promise.all(running.splice(0));
      return response;
    };

    const { chatId, record } = await seedLinkedChat();
    const answer = await send(`/api/clients/view?chatId=${encodeURIComponent(chatId)}`, await seedToken());
    expect(await answer.json()).toEqual({ success: true, record });
    expect(builtNames(registry)).toEqual([]);

    const writer = await seedToken({ scopes: ["clients:write"] });
    const put = (body: unknown) =>
      send(`/api/clients/${uniqueId("client")}`, writer, { method: "PUT", body: JSON.stringify(body) });
    expect((await put({ session_id: "s1" })).status).toBe(200);
    expect(builtNames(registry)).toEqual(["PutClientBody"]);

    const invalid = await put({ session: "s1" });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: "Invalid request body" });
    expect(builtNames(registry)).toEqual(["PutClientBody"]);
  });

  it("builds no route trie; the first request builds it once, with every route", async () => {
    vi.resetModules();
    // The router the fresh import of the Worker will use.
    const { TrieRouter } = await import("hono/router/trie-router");
    const add = vi.spyOn(TrieRouter.prototype, "add");
    const { createWorker } = await import("../src/index");
    const app = createWorker({ settleDelayMs: 0 });
    expect(add).not.toHaveBeenCalled();

    const context = {
      waitUntil: () => {},
      passThroughOnException: () => {},
      props: {},
    } as unknown as ExecutionContext;
    const health = await app.fetch(new Request(`${BASE_URL}/health`), env, context);
    expect(health.status).toBe(200);
    const built = add.mock.calls.length;
    expect(add.mock.calls.map(([, path]) => path)).toEqual(
      expect.arrayContaining(["/api/clients/view", "/api/clients/:id", "/health"]),
    );
    const wrongMethod = await app.fetch(new Request(`${BASE_URL}/health`, { method: "POST" }), env, context);
    expect(wrongMethod.status).toBe(405);
    expect(add).toHaveBeenCalledTimes(built);
    add.mockRestore();
  });
});
