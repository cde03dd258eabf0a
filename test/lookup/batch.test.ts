import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  lookup,
  request,
  seedClient,
  seedConversation,
  seedLinkedChat,
  seedToken,
  tierOf,
  uniqueChatId,
  uniqueLid,
  watchD1,
  write,
} from "../helpers";

let token: string;
let writer: string;
beforeAll(async () => {
  token = await seedToken();
  writer = await seedToken({ scopes: ["clients:write"] });
});

type Item = { chatId?: string | null; alt?: string | null };

function batch(lookups: unknown, as = token, headers: Record<string, string> = {}) {
  return request("/api/clients/view/batch", {
    method: "POST",
    headers: { Authorization: `Bearer ${as}`, "Content-Type": "application/json", ...headers },
    body: typeof lookups === "string" ? lookups : JSON.stringify({ lookups }),
  });
}

async function results(response: Response): Promise<unknown[]> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as { success: true; results: unknown[] };
  expect(body.success).toBe(true);
  return body.results;
}

/** What the single lookup answers for an item, as a batch result: `{record}` or `{error}`. */
async function alone(item: Item): Promise<unknown> {
  const query = new URLSearchParams();
  if (item.chatId !== undefined && item.chatId !== null) query.set("chatId", item.chatId);
  if (item.alt !== undefined && item.alt !== null) query.set("alt", item.alt);
  const body = (await (
    await request(`/api/clients/view?${query}`, { headers: { Authorization: `Bearer ${token}` } })
  ).json()) as { record?: unknown; error?: string };
  return body.record === undefined ? { error: body.error } : { record: body.record };
}

const idReads = (statements: string[]) => statements.filter((sql) => sql.includes('"chat_ids"'));

describe("POST /api/clients/view/batch", () => {
  it("answers each item, in order, exactly as the single lookup answers it", async () => {
    const linked = await seedLinkedChat();
    const unlinked = await seedConversation({ clientId: null });
    const items: Item[] = [
      { chatId: linked.chatId },
      { chatId: uniqueChatId() },
      { chatId: unlinked.chatId },
      { chatId: "hello" },
      { chatId: "" },
      {},
      { chatId: null },
      { chatId: linked.chatId.replace("@c.us", ":4@s.whatsapp.net") },
      { chatId: uniqueLid(), alt: linked.chatId },
      { chatId: linked.chatId, alt: "nonsense" },
      { chatId: unlinked.chatId, alt: "" },
      { chatId: linked.chatId, alt: "120363025246125888@g.us" },
      { chatId: "120363025246125888@g.us", alt: linked.chatId },
      { chatId: "status@broadcast", alt: "nonsense" },
      { chatId: `+${linked.chatId.replace("@c.us", "")}`, alt: "US.13491208655302741918" },
    ];
    const answers = await results(await batch(items));
    expect(answers).toEqual(await Promise.all(items.map(alone)));
    expect(answers.slice(-4)).toEqual([
      { error: "Invalid alt" },
      { error: "Invalid alt" },
      { error: "Invalid chat ID" },
      { record: linked.record },
    ]);
    expect(answers.slice(0, 7)).toEqual([
      { record: linked.record },
      { error: "Conversation not found" },
      { error: "Client not found" },
      { error: "Invalid chat ID" },
      { error: "Chat ID is required" },
      { error: "Chat ID is required" },
      { error: "Chat ID is required" },
    ]);
  });

  it("reads 100 items with alt, 200 ids, in one D1 query, and answers them from memory next time", async () => {
    const client = await seedClient();
    const items: Item[] = [];
    for (let i = 0; i < 100; i++) {
      const lid = uniqueLid();
      // Every other item is known by its alt only.
      if (i % 2 === 0) await seedConversation({ chatId: lid, clientId: client.id });
      items.push({ chatId: uniqueChatId(), alt: i % 2 === 0 ? lid : uniqueLid() });
    }
    const statements = watchD1();
    const kvGet = vi.spyOn(env.CACHE, "get");
    const first = await batch(items);
    const answers = await results(first);
    const record = { id: client.id, session_id: client.sessionId };
    answers.forEach((answer, i) => {
      expect(answer).toEqual(i % 2 === 0 ? { record } : { error: "Conversation not found" });
    });
    expect(idReads(statements)).toHaveLength(1);
    // KV reads at most 100 keys at once: 200 ids that miss memory take two bulk reads.
    expect(kvGet).toHaveBeenCalledTimes(2);
    expect(tierOf(first)).toBe("d1");

    statements.length = 0;
    kvGet.mockClear();
    const again = await batch(items);
    expect(await results(again)).toEqual(answers);
    expect(tierOf(again)).toBe("memory");
    expect(statements).toEqual([]);
    expect(kvGet).not.toHaveBeenCalled();
  });

  it("reads 100 items in one D1 query and one KV bulk read", async () => {
    const items = await Promise.all(
      Array.from({ length: 100 }, async () => ({ chatId: (await seedLinkedChat()).chatId })),
    );
    const statements = watchD1();
    const kvGet = vi.spyOn(env.CACHE, "get");
    expect((await results(await batch(items))).every((answer) => "record" in (answer as object))).toBe(true);
    expect(idReads(statements)).toHaveLength(1);
    expect(kvGet).toHaveBeenCalledTimes(1);
  });

  it("answers duplicates each, reading the chat once", async () => {
    const { chatId, record } = await seedLinkedChat();
    const statements = watchD1();
    const answers = await results(
      await batch([{ chatId }, { chatId: chatId.replace("@c.us", "@s.whatsapp.net") }, { chatId }]),
    );
    expect(answers).toEqual([{ record }, { record }, { record }]);
    expect(idReads(statements)).toHaveLength(1);
    expect(statements.find((sql) => sql.includes('"chat_ids"'))).toBeDefined();
  });

  it("applies a token's session limits to each item", async () => {
    const visible = await seedLinkedChat();
    const hidden = await seedLinkedChat();
    const limited = await seedToken({ sessions: [visible.record.session_id] });
    const response = await batch([{ chatId: visible.chatId }, { chatId: hidden.chatId }], limited);
    expect(await results(response)).toEqual([
      { record: visible.record },
      { error: "Conversation not found" },
    ]);
    expect(response.headers.get("Server-Timing")).toBeNull();
  });

  it("answers what a write changed at once, through the same caches", async () => {
    const { chatId, record } = await seedLinkedChat();
    await results(await batch([{ chatId }]));
    await write("PUT", `/api/clients/${record.id}`, writer, { session_id: "moved" });
    expect(await results(await batch([{ chatId }]))).toEqual([
      { record: { ...record, session_id: "moved" } },
    ]);
    expect(await (await lookup(chatId, token)).json()).toEqual({
      success: true,
      record: { ...record, session_id: "moved" },
    });
  });

  it.each([
    ["no items", []],
    ["101 items", Array.from({ length: 101 }, () => ({ chatId: "1@c.us" }))],
    ["an item that is not an object", ["1@c.us"]],
    ["a chatId that is not a string", [{ chatId: 42 }]],
    ["an item with a field the API does not know", [{ chatId: "1@c.us", chat_id: "1@c.us" }]],
    // Bodies as sent:
    ["malformed JSON", "{"],
    ["no lookups", "{}"],
    ["lookups that are not a list", '{"lookups":{"chatId":"1@c.us"}}'],
  ])("answers 400 Invalid request body for %s", async (_, lookups) => {
    const response = await batch(lookups);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "Invalid request body" });
  });

  it("answers 413 for a body over 64 KiB", async () => {
    const response = await batch([{ chatId: "1@c.us", alt: "x".repeat(70_000) }]);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "Request body too large" });
  });

  it("checks the token and its scope before the body", async () => {
    const noToken = await request("/api/clients/view/batch", { method: "POST", body: "nonsense" });
    expect(noToken.status).toBe(401);
    const writeOnly = await batch("nonsense", writer);
    expect(writeOnly.status).toBe(403);
  });

  it("answers GET with 405 and Allow: POST", async () => {
    const response = await request("/api/clients/view/batch", {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });
});

describe("the rate limit and batches", () => {
  it("counts a batch as one request", async () => {
    const { chatId } = await seedLinkedChat();
    const busy = await seedToken();
    const limit = vi.spyOn(env.RATE_LIMITER, "limit");
    expect(
      (
        await batch(
          Array.from({ length: 100 }, () => ({ chatId })),
          busy,
        )
      ).status,
    ).toBe(200);
    expect(limit).toHaveBeenCalledTimes(1);
  });
});
