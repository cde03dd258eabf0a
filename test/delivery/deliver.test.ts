/**
 * The queue's consumer, called as the runtime calls it: each message POSTed to its receiver as
 * Standard Webhooks describe (checked with the `standardwebhooks` package, as a receiver would),
 * acknowledged on 2xx, retried with growing delays otherwise, a hung receiver cut at 15 s, a
 * redirect never followed, a receiver's body never read, and 410 Gone disabling the subscription.
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Delivery } from "../../src/delivery/outbox";
import {
  captureLogs,
  ManualClock,
  request,
  seedToken,
  uniqueChatId,
  useWorker,
  type worker,
  write,
} from "../helpers";
import { messageBatch } from "../support/message-batch";

const RECEIVER = "https://receiver.example.com/hooks/events?key=receiver-credential";

let writer: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["clients:write"] });
});
afterEach(async () => {
  await env.DB.prepare("DELETE FROM webhooks").run();
});

interface Received {
  url: string;
  init: RequestInit;
  body: string;
  headers: Record<string, string>;
}

/** A receiver: what it was sent, and the answer it gives (a status, or a function of the request). */
function receiver(answer: number | ((init: RequestInit) => Promise<Response>)) {
  const received: Received[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    received.push({
      url: String(input),
      init,
      body: String(init.body),
      headers: Object.fromEntries(new Headers(init.headers).entries()),
    });
    return typeof answer === "number"
      ? new Response(answer === 204 ? null : "receiver's own words", { status: answer })
      : answer(init);
  };
  return { received, fetch: fetch as typeof globalThis.fetch };
}

/** A subscription and one event for it, as the queue would hand it to the consumer. */
async function queued(w: ReturnType<typeof worker>, name = "crm") {
  const created = await write("PUT", `/api/webhooks/${name}`, writer, {
    url: RECEIVER,
    events: ["conversation.*"],
  });
  const { secret } = (await created.json()) as { secret: string };
  const chatId = uniqueChatId();
  await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: null });
  const [delivery] = w.queue.take();
  if (delivery === undefined) throw new Error("nothing was queued");
  return { secret, chatId, delivery };
}

/** Runs the consumer on one message of `delivery`: what it decided (acknowledged, or retried after what delay). */
async function consume(w: ReturnType<typeof worker>, delivery: Delivery, attempts = 1) {
  const { batch, outcomes } = messageBatch("chat-session-lookup-webhooks", [
    { id: "message-1", attempts, body: delivery },
  ]);
  await w.deliver(batch);
  return outcomes.get("message-1");
}

describe("a delivery", () => {
  it("is a signed POST of the event that a Standard Webhooks receiver verifies; 2xx acknowledges it", async () => {
    const target = receiver(204);
    const w = useWorker({ fetch: target.fetch });
    const { secret, chatId, delivery } = await queued(w);

    expect(await consume(w, delivery)).toEqual({ acked: true });
    const [sent] = target.received;
    expect(sent?.url).toBe(RECEIVER);
    expect(sent?.init).toMatchObject({ method: "POST", redirect: "manual" });
    expect(sent?.headers["content-type"]).toBe("application/json");
    expect(sent?.headers["webhook-id"]).toBe(delivery.event.id);
    const verified = new Webhook(secret).verify(sent?.body ?? "", sent?.headers ?? {});
    expect(verified).toEqual(delivery.event);
    expect(verified).toMatchObject({ type: "conversation.created", chat_id: chatId });
  });

  it("a signature made with another secret does not verify", async () => {
    const target = receiver(204);
    const w = useWorker({ fetch: target.fetch });
    const { delivery } = await queued(w);
    await consume(w, delivery);
    const [sent] = target.received;
    const other = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    expect(() => other.verify(sent?.body ?? "", sent?.headers ?? {})).toThrow();
  });

  it("anything but 2xx is retried, later at each attempt, the first within 30 s", async () => {
    const target = receiver(503);
    const w = useWorker({ fetch: target.fetch });
    const { delivery } = await queued(w);
    const delays: (number | undefined)[] = [];
    await captureLogs(async () => {
      for (let attempt = 1; attempt <= 8; attempt++) {
        const outcome = await consume(w, delivery, attempt);
        expect(outcome?.acked).toBe(false);
        delays.push(outcome?.retry?.delaySeconds);
      }
    });
    expect(delays[0]).toBeLessThanOrEqual(30);
    for (let index = 1; index < delays.length; index++) {
      expect(delays[index]).toBeGreaterThan(delays[index - 1] ?? 0);
    }
    // The same event every time: the receiver de-duplicates by webhook-id.
    expect(new Set(target.received.map((sent) => sent.headers["webhook-id"]))).toEqual(
      new Set([delivery.event.id]),
    );
  });

  it("a redirect is not followed: it is retried", async () => {
    const target = receiver(
      async () =>
        new Response(null, { status: 302, headers: { Location: "https://elsewhere.example.com/" } }),
    );
    const w = useWorker({ fetch: target.fetch });
    const { delivery } = await queued(w);
    const { result } = await captureLogs(() => consume(w, delivery));
    expect(result).toEqual({ acked: false, retry: { delaySeconds: 10 } });
    expect(target.received.map((sent) => sent.url)).toEqual([RECEIVER]);
  });

  it("a receiver that does not answer is cut at 15 s, and the delivery retried", async () => {
    const clock = new ManualClock();
    let signal: AbortSignal | undefined;
    const target = receiver(
      (init) =>
        new Promise<Response>((_, reject) => {
          signal = init.signal ?? undefined;
          signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        }),
    );
    const w = useWorker({ clock, fetch: target.fetch });
    const { delivery } = await queued(w);
    const result = captureLogs(() => consume(w, delivery));
    await clock.waiting(1);
    await clock.advance(14_999);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    expect((await result).result).toEqual({ acked: false, retry: { delaySeconds: 10 } });
    expect(signal?.aborted).toBe(true);
  });

  it("410 Gone disables the subscription: acknowledged, and nothing more is queued for it until a PUT", async () => {
    const target = receiver(410);
    const w = useWorker({ fetch: target.fetch });
    const { delivery } = await queued(w);
    const { result, logs } = await captureLogs(() => consume(w, delivery));
    expect(result).toEqual({ acked: true });
    expect(logs).toContain('"event":"webhook.disabled"');
    const listed = await request("/api/webhooks", { headers: { Authorization: `Bearer ${writer}` } });
    expect(await listed.json()).toMatchObject({ webhooks: [{ name: "crm", disabled: true }] });

    await write("PUT", `/api/conversations/${uniqueChatId()}`, writer, { client_id: null });
    expect(w.queue.take()).toEqual([]);
    await write("PUT", "/api/webhooks/crm", writer, { url: RECEIVER, events: ["conversation.*"] });
    await write("PUT", `/api/conversations/${uniqueChatId()}`, writer, { client_id: null });
    expect(w.queue.take()).toHaveLength(1);
  });

  it("never reads the receiver's answer, and logs neither it, nor the URL, nor a chat id", async () => {
    let pulled = false;
    const body = new ReadableStream(
      {
        pull(controller) {
          pulled = true;
          controller.enqueue(new TextEncoder().encode("receiver's own words"));
          controller.close();
        },
      },
      // Nothing is pulled before someone reads.
      { highWaterMark: 0 },
    );
    const target = receiver(async () => new Response(body, { status: 500 }));
    const w = useWorker({ fetch: target.fetch });
    const { chatId, delivery } = await queued(w);
    const { logs } = await captureLogs(() => consume(w, delivery));
    expect(pulled).toBe(false);
    expect(logs).toContain('"event":"webhook.delivery_failed"');
    expect(logs).not.toContain("receiver");
    expect(logs).not.toContain(chatId.split("@")[0]);
  });

  it("a subscription deleted since the event was queued gets nothing", async () => {
    const target = receiver(204);
    const w = useWorker({ fetch: target.fetch });
    const { delivery } = await queued(w);
    await write("DELETE", "/api/webhooks/crm", writer);
    expect(await consume(w, delivery)).toEqual({ acked: true });
    expect(target.received).toEqual([]);
  });

  it("each message of a batch gets its own outcome", async () => {
    const target = receiver(async (init) =>
      String(init.body).includes("conversation.created")
        ? new Response(null, { status: 500 })
        : new Response(null, { status: 200 }),
    );
    const w = useWorker({ fetch: target.fetch });
    const { delivery } = await queued(w);
    const { batch, outcomes } = messageBatch("chat-session-lookup-webhooks", [
      { id: "fails", attempts: 1, body: delivery },
      {
        id: "delivered",
        attempts: 1,
        body: { ...delivery, event: { ...delivery.event, type: "conversation.linked" } },
      },
    ]);
    await captureLogs(() => w.deliver(batch));
    expect(Object.fromEntries(outcomes)).toEqual({
      fails: { acked: false, retry: { delaySeconds: 10 } },
      delivered: { acked: true },
    });
  });
});
