/**
 * A write never tells the cache which chats it changed: the database does, in the write's own
 * batch. These writes list nothing, and every answer they change stays true in memory and KV.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { LookupCache } from "../../src/cache/lookups/lookup-cache";
import { cachePolicy } from "../../src/cache/policy";
import type { Database } from "../../src/db/client";
import { chatIds, clients, conversation } from "../../src/db/schema";
import { EventOutbox } from "../../src/delivery/outbox";
import { DELIVERY_POLICY } from "../../src/delivery/policy";
import { systemClock } from "../../src/lib/clock";
import { lookupCacheKey, seedConversation, seedLinkedChat, uniqueLid, watchD1 } from "../helpers";
import { RecordingQueue } from "../support/worker";

/** A cache of its own, as one Worker instance has, and a request scope whose work can be awaited. */
function freshCache() {
  const cache = new LookupCache({
    db: env.DB,
    kv: env.CACHE,
    policy: cachePolicy({ settleDelayMs: 0 }).lookups,
    clock: systemClock,
    maxLoadMs: 5000,
    outbox: new EventOutbox({ db: env.DB, queue: new RecordingQueue(), policy: DELIVERY_POLICY }),
  });
  const running: Promise<unknown>[] = [];
  const scope = {
    requestId: "commit-test",
    actor: "commit-test",
    deadline: Date.now() + 10_000,
    waitUntil: (work: Promise<unknown>) => running.push(work),
  };
  const settled = async () => {
    while (running.length > 0) await Promise.all(running.splice(0));
  };
  const read = async (chatId: string) => {
    const { answers } = await cache.get(scope, [chatId], { fresh: false, bookmark: null });
    await settled();
    return answers.get(chatId);
  };
  const commit = async (run: (db: Database) => Promise<unknown>) => {
    await cache.commit(scope, { idempotent: false, run });
    await settled();
  };
  return { read, commit };
}

const kvEntry = async (chatId: string) => env.CACHE.get(await lookupCacheKey(chatId), "json");

describe("a write that lists no chat", () => {
  it("moving a client to another session in a batch: its chats answer the new session, in memory and KV", async () => {
    const { chatId, record } = await seedLinkedChat();
    const lid = uniqueLid();
    await env.DB.prepare(
      "INSERT INTO chat_ids (chat_id, conversation_id) SELECT ?, conversation_id FROM chat_ids WHERE chat_id = ?",
    )
      .bind(lid, chatId)
      .run();
    await env.DB.prepare("DELETE FROM chat_changes").run();
    const cache = freshCache();
    expect(await cache.read(chatId)).toEqual({ status: "found", record });
    expect(await cache.read(lid)).toEqual({ status: "found", record });

    await cache.commit((db) =>
      db.batch([db.update(clients).set({ sessionId: "moved" }).where(eq(clients.id, record.id))]),
    );

    const moved = { id: record.id, session_id: "moved" };
    const statements = watchD1();
    expect(await cache.read(chatId)).toEqual({ status: "found", record: moved });
    expect(await cache.read(lid)).toEqual({ status: "found", record: moved });
    expect(statements).toEqual([]);
    expect(await kvEntry(chatId)).toEqual(moved);
    expect(await kvEntry(lid)).toEqual(moved);
  });

  it("a statement run outside a batch: its change is read back too", async () => {
    const { chatId, record } = await seedLinkedChat();
    const cache = freshCache();
    expect(await cache.read(chatId)).toEqual({ status: "found", record });

    await cache.commit((db) =>
      db.update(conversation).set({ clientId: null }).where(eq(conversation.chatId, chatId)),
    );

    expect(await cache.read(chatId)).toEqual({ status: "client-not-found" });
    expect(await kvEntry(chatId)).toBeNull();
  });

  it("removing an id: it answers Conversation not found, and its KV entry is gone", async () => {
    const { chatId, record } = await seedLinkedChat();
    await env.CACHE.put(await lookupCacheKey(chatId), JSON.stringify(record));
    const cache = freshCache();
    expect(await cache.read(chatId)).toEqual({ status: "found", record });

    await cache.commit((db) => db.batch([db.delete(chatIds).where(eq(chatIds.chatId, chatId))]));

    expect(await cache.read(chatId)).toEqual({ status: "conversation-not-found" });
    expect(await kvEntry(chatId)).toBeNull();
  });

  it("deleting a client: each of its chats answers Client not found", async () => {
    const { chatId, record } = await seedLinkedChat();
    const other = await seedConversation({ clientId: record.id });
    const cache = freshCache();
    expect(await cache.read(other.chatId)).toEqual({ status: "found", record });

    await cache.commit((db) => db.batch([db.delete(clients).where(eq(clients.id, record.id))]));

    expect(await cache.read(chatId)).toEqual({ status: "client-not-found" });
    expect(await cache.read(other.chatId)).toEqual({ status: "client-not-found" });
    expect(await kvEntry(other.chatId)).toBeNull();
  });

  it("leaves no record of its changes behind", async () => {
    const { record } = await seedLinkedChat();
    const cache = freshCache();
    await cache.commit((db) =>
      db.batch([db.update(clients).set({ sessionId: "again" }).where(eq(clients.id, record.id))]),
    );
    expect(await env.DB.prepare("SELECT count(*) AS rows FROM chat_changes").first()).toEqual({ rows: 0 });
  });
});
