/**
 * The settle pass and shared loads, with time stepped by the test: what a write repairs 1.5 s
 * after it answered, and when a load that several requests share ends.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  hangD1,
  holdNextBatch,
  holdNextStatement,
  lookupCacheKey,
  lookupRequest,
  ManualClock,
  seedLinkedChat,
  seedToken,
  uniqueChatId,
  useWorker,
  writeRequest,
} from "../helpers";

const SETTLE_DELAY_MS = 1500;

let reader: string;
let writer: string;
beforeAll(async () => {
  reader = await seedToken({ scopes: ["clients:read"] });
  writer = await seedToken({ scopes: ["clients:write"] });
});

const isConversationRead = (sql: string) => sql.startsWith("select") && sql.includes('"conversation"');
const kvEntry = async (chatId: string) => env.CACHE.get(await lookupCacheKey(chatId), "json");

describe("the settle pass", () => {
  it("repairs KV after another instance stored what it read before the write", async () => {
    const { chatId, record } = await seedLinkedChat();
    const clock = new ManualClock();
    // Its memory off and a miss before: its next miss of the chat is admitted to KV.
    const other = useWorker({ vars: { MEMORY_CACHE_TTL_MS: "0" } });
    await other.fetch(...lookupRequest(chatId, reader));
    const here = useWorker({ clock, settleDelayMs: SETTLE_DELAY_MS });

    // Another instance reads D1 before the write; its answer arrives after the write's refresh.
    const held = holdNextStatement(isConversationRead);
    const racing = other.send(...lookupRequest(chatId, reader));
    await held.reached;
    const written = here.send(
      ...writeRequest("PUT", `/api/clients/${record.id}`, writer, { session_id: "new" }),
    );
    expect((await written.response).status).toBe(200);
    held.release();
    await racing.settled;
    expect(await kvEntry(chatId)).toEqual(record);

    await clock.advance(SETTLE_DELAY_MS);
    await written.settled;
    expect(await kvEntry(chatId)).toEqual({ id: record.id, session_id: "new" });
  });

  it("puts right the answer of two writes whose replies crossed", async () => {
    const { chatId, record } = await seedLinkedChat();
    const clock = new ManualClock();
    const api = useWorker({ clock, settleDelayMs: SETTLE_DELAY_MS });
    const path = `/api/clients/${record.id}`;

    // The first write commits first, but its reply comes back after the second's.
    const held = holdNextBatch();
    const first = api.send(...writeRequest("PUT", path, writer, { session_id: "first" }));
    await held.reached;
    const second = api.send(...writeRequest("PUT", path, writer, { session_id: "second" }));
    expect((await second.response).status).toBe(200);
    held.release();
    expect((await first.response).status).toBe(200);
    const crossed = await api.fetch(...lookupRequest(chatId, reader));
    expect(await crossed.json()).toEqual({ success: true, record: { id: record.id, session_id: "first" } });

    await clock.advance(SETTLE_DELAY_MS);
    await Promise.all([first.settled, second.settled]);
    const settled = { id: record.id, session_id: "second" };
    expect(await (await api.fetch(...lookupRequest(chatId, reader))).json()).toEqual({
      success: true,
      record: settled,
    });
    expect(await kvEntry(chatId)).toEqual(settled);
  });

  it("leaves a chat alone that a later write here changed again", async () => {
    const { chatId, record } = await seedLinkedChat();
    const clock = new ManualClock();
    const api = useWorker({ clock, settleDelayMs: SETTLE_DELAY_MS });
    const path = `/api/clients/${record.id}`;
    const first = api.send(...writeRequest("PUT", path, writer, { session_id: "first" }));
    expect((await first.response).status).toBe(200);
    const second = api.send(...writeRequest("DELETE", path, writer));
    expect((await second.response).status).toBe(200);

    await clock.advance(SETTLE_DELAY_MS);
    await Promise.all([first.settled, second.settled]);
    expect(await (await api.fetch(...lookupRequest(chatId, reader))).json()).toEqual({
      error: "Client not found",
    });
    expect(await kvEntry(chatId)).toBeNull();
  });
});

describe("a load shared by several lookups", () => {
  it("ends at the deadline of the lookup that started it, for every lookup that joined it", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock });
    // A known token: the lookups below wait on the chat's load only.
    expect((await api.fetch(...lookupRequest(uniqueChatId(), reader))).status).toBe(404);
    const other = await seedLinkedChat();
    const hang = hangD1("conversation", 1);
    const starter = api.send(...lookupRequest(other.chatId, reader));
    await hang.reached;
    const waits = clock.pending;
    await clock.advance(3000);
    const joiner = api.send(...lookupRequest(other.chatId, reader));
    // The joiner waits on the same load, under its own deadline: one more wait.
    await clock.waiting(waits + 1);

    let joinerAnswered = false;
    void joiner.response.then(() => {
      joinerAnswered = true;
    });
    await clock.advance(1999);
    expect(joinerAnswered).toBe(false);
    await clock.advance(1);
    expect((await starter.response).status).toBe(408);
    expect((await joiner.response).status).toBe(408);
    // The next lookup starts a load of its own, and answers.
    expect(await (await api.fetch(...lookupRequest(other.chatId, reader))).json()).toEqual({
      success: true,
      record: other.record,
    });
  });
});
