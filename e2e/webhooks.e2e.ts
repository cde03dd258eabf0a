/**
 * Webhooks over a real `wrangler dev`, its queue, consumer and retries simulated by wrangler: a
 * receiver on loopback that fails its first attempt and then verifies every delivery, as a
 * customer's would with the `standardwebhooks` package; and a crash (SIGKILL) between a write's
 * commit and its queue send, then a restart that still delivers.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DevServer, startDevServer } from "../scripts/lib/dev-server.ts";
import { pollUntil } from "./polling.ts";
import { baseUrl, bearer, request, requestAt } from "./support.ts";
import { createThrowawayState, type ThrowawayState } from "./throwaway-state.ts";
import { createToken } from "./tokens.ts";
import { type Receiver, startReceiver } from "./webhook-receiver.ts";

// The first retry comes 10 s after a failure (src/delivery/policy.ts); the queue's batches wait
// up to a second; the rest is a loaded machine's margin.
const FIRST_RETRY_WITHIN_MS = 40_000;
const DELIVERED_WITHIN_MS = 20_000;

const run = Date.now().toString(36);
const json = (token: string) => ({ ...bearer(token), "Content-Type": "application/json" });

/** The ids of the events `GET /api/events?query` answers, with their types, newest first. */
async function eventsAt(base: string, token: string, query: string) {
  const answer = await requestAt(base, `/api/events?${query}`, { headers: bearer(token) });
  expect(answer.status).toBe(200);
  return (answer.json as { events: { id: string; type: string }[] }).events;
}

describe("a receiver that fails its first attempt", () => {
  let receiver: Receiver;
  let token: string;
  const name = `e2e-${run}`;

  beforeAll(async () => {
    receiver = await startReceiver((n) => (n === 1 ? 503 : 204));
  });
  afterAll(async () => {
    if (token !== undefined)
      await request(`/api/webhooks/${name}`, { method: "DELETE", headers: bearer(token) });
    await receiver.close();
  });

  it("gets every event, signed, the failed one again with the same webhook-id", {
    timeout: 90_000,
  }, async () => {
    token = inject("tokens").readWrite;
    const created = await request(`/api/webhooks/${name}`, {
      method: "PUT",
      headers: json(token),
      body: JSON.stringify({ url: receiver.url, events: ["client.*", "conversation.*", "alias.*"] }),
    });
    expect(created.status).toBe(200);
    receiver.secret = (created.json as { secret: string }).secret;

    const client = `webhooks-${run}`;
    const chatId = `49170${Date.now().toString().slice(-8)}@c.us`;
    const lid = `7${Date.now().toString().slice(-12)}01@lid`;
    for (const [path, body] of [
      [`/api/clients/${client}`, { session_id: "webhooks-session" }],
      [`/api/conversations/${chatId}`, { client_id: client }],
      [`/api/conversations/${chatId}/aliases/${lid}`, undefined],
    ] as const) {
      const written = await request(path, {
        method: "PUT",
        headers: json(token),
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      expect(written.status, path).toBe(200);
    }
    const expected = [
      ...(await eventsAt(baseUrl(), token, `chatId=${chatId}`)),
      ...(await eventsAt(baseUrl(), token, `clientId=${client}&limit=200`)).filter((event) =>
        event.type.startsWith("client."),
      ),
    ];
    expect(expected.map((event) => event.type).sort()).toEqual([
      "alias.added",
      "client.upserted",
      "conversation.linked",
    ]);
    const ids = new Set(expected.map((event) => event.id));

    await receiver.until((received) => {
      const delivered = new Set(received.filter((got) => got.status === 204).map((got) => got.id));
      return [...ids].every((id) => delivered.has(id));
    }, FIRST_RETRY_WITHIN_MS);

    const [first] = receiver.received;
    expect(first?.status).toBe(503);
    expect(receiver.received.filter((got) => got.id === first?.id).map((got) => got.status)).toEqual([
      503, 204,
    ]);
    for (const got of receiver.received) {
      expect(got.verified, got.id).toBe(true);
      expect(ids.has(got.id)).toBe(true);
      expect(got.event?.id).toBe(got.id);
    }
  });
});

describe("a crash between a write's commit and its queue send", () => {
  let state: ThrowawayState;
  let server: DevServer | undefined;
  let receiver: Receiver;
  let token: string;

  beforeAll(async () => {
    state = await createThrowawayState("csl-webhooks-");
    token = await createToken(state.persistTo, "webhooks-crash", ["--scopes", "clients:write"]);
    receiver = await startReceiver();
    // This instance commits each write's events and never sends them, as if it died right after
    // the commit: the kill below then falls between the two, whenever it comes.
    server = await startDevServer({
      persistTo: state.persistTo,
      logPath: join(state.workDir, "wrangler-dev.log"),
      vars: { TEST_HOLD_QUEUE_SEND: "true" },
    });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await state?.remove();
  }, 30_000);

  it("loses no event: the restarted instance sends it", { timeout: 180_000 }, async () => {
    if (server === undefined) throw new Error("no server");
    const base = server.url;
    const created = await requestAt(base, "/api/webhooks/crash", {
      method: "PUT",
      headers: json(token),
      body: JSON.stringify({ url: receiver.url, events: ["*"] }),
    });
    expect(created.status).toBe(200);
    receiver.secret = (created.json as { secret: string }).secret;
    const chatId = `49171${Date.now().toString().slice(-8)}@c.us`;
    const written = await requestAt(base, `/api/conversations/${chatId}`, {
      method: "PUT",
      headers: json(token),
      body: JSON.stringify({ client_id: null }),
    });
    expect(written.status).toBe(200);
    const [event] = await eventsAt(base, token, `chatId=${chatId}`);
    expect(event?.type).toBe("conversation.created");
    // Its log says it held the send (wrangler writes the line a moment after the answer).
    const held = server;
    await pollUntil(
      "the held send in the log",
      async () => held.output(200),
      (log) => log.includes('"event":"events.send_held"'),
      {
        withinMs: 10_000,
        everyMs: 100,
      },
    );

    await server.kill();
    expect(server.exited).toBe(true);
    expect(receiver.received).toEqual([]);

    // The same state, no hold: its first request (the health check) sweeps the outbox.
    server = await startDevServer({ ...server.options, vars: {} });
    await receiver.until((received) => received.some((got) => got.id === event?.id), DELIVERED_WITHIN_MS);
    expect(receiver.received).toEqual([
      {
        id: event?.id,
        verified: true,
        event: expect.objectContaining({ type: "conversation.created", chat_id: chatId }),
        status: 204,
      },
    ]);
  });
});
