/**
 * A session-limited token must learn nothing of chats outside its sessions: not from the
 * answer, and not from how it is made. Storage calls are what timing would show, so they are
 * counted: a chat of another session (even one others just looked up) and an unknown chat must
 * cost the same calls, in the same tiers.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { lookup, seedLinkedChat, seedToken, uniqueChatId, watchD1, write } from "../helpers";

let open: string;
let writer: string;
beforeAll(async () => {
  open = await seedToken();
  writer = await seedToken({ scopes: ["clients:write"] });
});

/** Every storage call a request makes, as `d1:<tables>` and `kv:<method>`, in order. */
function recordStorage() {
  const calls: string[] = [];
  const statements = watchD1();
  for (const method of ["get", "put", "delete", "list", "getWithMetadata"] as const) {
    const original = env.CACHE[method].bind(env.CACHE);
    vi.spyOn(env.CACHE, method).mockImplementation(((...args: Parameters<typeof original>) => {
      calls.push(`kv:${method}`);
      return (original as (...a: typeof args) => unknown)(...args);
    }) as never);
  }
  return {
    take(): string[] {
      const d1 = statements.splice(0).map((sql) => `d1:${(sql.match(/"(\w+)"/g) ?? []).sort().join(",")}`);
      return [...d1, ...calls.splice(0)];
    },
  };
}

async function answer(response: Response) {
  return {
    status: response.status,
    body: await response.text(),
    timing: response.headers.get("Server-Timing"),
  };
}

describe("a session-limited token and chats outside its sessions", () => {
  it("costs the same storage calls for a chat of another session (cached by others) as for an unknown chat", async () => {
    const hidden = await seedLinkedChat();
    // Someone else's bot looks the chat up: it is now in this instance's memory and in KV.
    expect((await lookup(hidden.chatId, open)).status).toBe(200);
    const limited = await seedToken({ sessions: ["a-session-of-its-own"] });
    await lookup(uniqueChatId(), limited); // The token itself is known from now on.
    const unknown = uniqueChatId();
    const storage = recordStorage();

    const first = [await answer(await lookup(hidden.chatId, limited)), storage.take()];
    const firstUnknown = [await answer(await lookup(unknown, limited)), storage.take()];
    expect(first).toEqual(firstUnknown);
    expect(first[1]).toEqual([expect.stringMatching(/^d1:/)]);

    const again = [await answer(await lookup(hidden.chatId, limited)), storage.take()];
    const againUnknown = [await answer(await lookup(unknown, limited)), storage.take()];
    expect(again).toEqual(againUnknown);
    expect(again[1]).toEqual([]);
  });

  it("costs the same storage calls for a chat of another session right after a write to it as for an unknown chat", async () => {
    const hidden = await seedLinkedChat();
    const limited = await seedToken({ sessions: ["a-session-of-its-own"] });
    const unknown = uniqueChatId();
    // Both known to the token's own memory before the write.
    await lookup(hidden.chatId, limited);
    await lookup(unknown, limited);
    const storage = recordStorage();

    for (const session of ["written-once", "written-twice"]) {
      expect(
        (await write("PUT", `/api/clients/${hidden.record.id}`, writer, { session_id: session })).status,
      ).toBe(200);
      storage.take();
      const afterWrite = [await answer(await lookup(hidden.chatId, limited)), storage.take()];
      const afterWriteUnknown = [await answer(await lookup(unknown, limited)), storage.take()];
      expect(afterWrite).toEqual(afterWriteUnknown);
      expect(afterWrite[1]).toEqual([]);
    }
  });

  it("answers a chat that a write moves into its sessions at once", async () => {
    const { chatId, record } = await seedLinkedChat();
    const limited = await seedToken({ sessions: ["moving-in"] });
    expect((await lookup(chatId, limited)).status).toBe(404);
    await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "moving-in" });
    expect(await (await lookup(chatId, limited)).json()).toEqual({
      success: true,
      record: { ...record, session_id: "moving-in" },
    });
  });

  it("stops answering a chat that a write moves out of its sessions at once", async () => {
    const { chatId, record } = await seedLinkedChat({ sessionId: "moving-out" });
    const limited = await seedToken({ sessions: ["moving-out"] });
    expect((await lookup(chatId, limited)).status).toBe(200);
    await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "elsewhere" });
    expect(await (await lookup(chatId, limited)).json()).toEqual({ error: "Conversation not found" });
  });
});
