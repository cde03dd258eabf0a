/**
 * From a committed event to the delivery queue: sent right after the write, one message per
 * event and subscription; what a failed send or a crash left in the outbox is sent by the next
 * instance's first request and by the Cron Trigger; the Cron Trigger also ends events' retention.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  captureLogs,
  ManualClock,
  request,
  seedToken,
  uniqueChatId,
  uniqueId,
  useWorker,
  worker,
  write,
} from "../helpers";

let writer: string;
beforeAll(async () => {
  writer = await seedToken({ scopes: ["clients:write"] });
});
afterEach(async () => {
  await env.DB.batch([env.DB.prepare("DELETE FROM webhooks"), env.DB.prepare("DELETE FROM event_outbox")]);
});

const subscribe = (name: string, events: string[]) =>
  write("PUT", `/api/webhooks/${name}`, writer, { url: "https://receiver.example.com/hook", events });
const outboxSize = async () => (await env.DB.prepare("SELECT count(*) AS n FROM event_outbox").first())?.n;
const linkNewChat = async () => {
  const chatId = uniqueChatId();
  expect((await write("PUT", `/api/conversations/${chatId}`, writer, { client_id: null })).status).toBe(200);
  return chatId;
};

describe("after a write commits", () => {
  it("each event goes to the queue once per subscription that wants it, and leaves the outbox", async () => {
    await subscribe("all", ["*"]);
    await subscribe("conversations", ["conversation.*"]);
    await subscribe("clients", ["client.upserted"]);
    const client = uniqueId("client");
    await write("PUT", `/api/clients/${client}`, writer, { session_id: "s-1" });
    const chatId = await linkNewChat();

    const sent = worker().queue.take();
    expect(sent.map(({ webhook, event }) => [webhook, event.type])).toEqual([
      ["all", "client.upserted"],
      ["clients", "client.upserted"],
      ["all", "conversation.created"],
      ["conversations", "conversation.created"],
    ]);
    expect(sent[2]?.event).toEqual({
      id: expect.stringMatching(/^evt_/),
      at: expect.any(String),
      type: "conversation.created",
      actor: expect.any(String),
      chat_id: chatId,
      after: { client_id: null, session_id: null },
    });
    expect(await outboxSize()).toBe(0);
  });

  it("an event no subscription wants is neither queued nor kept", async () => {
    await subscribe("clients", ["client.*"]);
    await linkNewChat();
    expect(worker().queue.take()).toEqual([]);
    expect(await outboxSize()).toBe(0);
  });

  it("a disabled subscription gets nothing", async () => {
    await subscribe("gone", ["*"]);
    await env.DB.prepare("UPDATE webhooks SET disabled_at = 1 WHERE name = 'gone'").run();
    await linkNewChat();
    expect(worker().queue.take()).toEqual([]);
    expect(await outboxSize()).toBe(0);
  });
});

describe("what a failed send or a crash left in the outbox", () => {
  it("stays there when the queue fails, and the next instance's first request sends it", async () => {
    await subscribe("all", ["*"]);
    worker().queue.failing = true;
    const { logs } = await captureLogs(linkNewChat);
    expect(logs).toContain('"event":"events.queue_failed"');
    expect(await outboxSize()).toBe(1);

    const next = useWorker({ sweepOnStart: true });
    expect((await request("/health")).status).toBe(200);
    expect(next.queue.take().map(({ webhook, event }) => [webhook, event.type])).toEqual([
      ["all", "conversation.created"],
    ]);
    expect(await outboxSize()).toBe(0);
  });

  it("with TEST_HOLD_QUEUE_SEND, a write leaves its events to the sweep, as a crash before the send would", async () => {
    await subscribe("all", ["*"]);
    const held = useWorker({ vars: { TEST_HOLD_QUEUE_SEND: "true" } });
    const { logs } = await captureLogs(linkNewChat);
    expect(logs).toContain('"event":"events.send_held"');
    expect(held.queue.take()).toEqual([]);
    expect(await outboxSize()).toBe(1);

    const restarted = useWorker({ sweepOnStart: true });
    await request("/health");
    expect(restarted.queue.take()).toHaveLength(1);
    expect(await outboxSize()).toBe(0);
  });

  it("an instance's start sends only what was committed before it started", async () => {
    await subscribe("all", ["*"]);
    const clock = new ManualClock(Date.now() - 60_000);
    const started = useWorker({ clock, sweepOnStart: true, vars: { TEST_HOLD_QUEUE_SEND: "true" } });
    await captureLogs(linkNewChat);
    expect(started.queue.take()).toEqual([]);
    expect(await outboxSize()).toBe(1);
  });

  it("the Cron Trigger sends what is over a minute old, and leaves younger events to their instance", async () => {
    await subscribe("all", ["*"]);
    useWorker({ vars: { TEST_HOLD_QUEUE_SEND: "true" } });
    await captureLogs(linkNewChat);

    const clock = new ManualClock();
    const cron = useWorker({ clock });
    await cron.scheduled();
    expect(cron.queue.take()).toEqual([]);
    await clock.advance(61_000);
    await cron.scheduled();
    expect(cron.queue.take().map(({ event }) => event.type)).toEqual(["conversation.created"]);
    expect(await outboxSize()).toBe(0);
  });

  it("an event whose subscription is gone leaves the outbox without being sent", async () => {
    await subscribe("short-lived", ["*"]);
    useWorker({ vars: { TEST_HOLD_QUEUE_SEND: "true" } });
    await captureLogs(linkNewChat);
    await write("DELETE", "/api/webhooks/short-lived", writer);

    const restarted = useWorker({ sweepOnStart: true });
    await request("/health");
    expect(restarted.queue.take()).toEqual([]);
    expect(await outboxSize()).toBe(0);
  });
});

describe("the retention", () => {
  it("the Cron Trigger deletes events older than EVENTS_RETENTION_DAYS, and keeps the others", async () => {
    const chatId = await linkNewChat();
    const count = async () =>
      (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE chat_id = ?").bind(chatId).first())?.n;
    const day = 86_400_000;

    const within = useWorker({
      clock: new ManualClock(Date.now() + 29 * day),
      vars: { EVENTS_RETENTION_DAYS: "30" },
    });
    await within.scheduled();
    expect(await count()).toBe(1);

    const past = useWorker({
      clock: new ManualClock(Date.now() + 31 * day),
      vars: { EVENTS_RETENTION_DAYS: "30" },
    });
    await past.scheduled();
    expect(await count()).toBe(0);
  });
});
