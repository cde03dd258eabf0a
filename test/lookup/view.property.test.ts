import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { lookup, request, seedConversation, seedLinkedChat, seedToken } from "../helpers";
import { expectedChatId } from "../support/chat-id-oracle";

type Record = { id: string; session_id: string };

// Chats stored before the properties run, by canonical id: what the lookup must find.
const stored = new Map<string, Record | null>();
const numbers: string[] = [];
// Enough tokens that no run goes over the rate limit (100 per token in tests).
const tokens: string[] = [];
let requests = 0;
const nextToken = () => tokens[requests++ % tokens.length] as string;

beforeAll(async () => {
  for (let i = 0; i < 4; i++) tokens.push(await seedToken());
  for (let i = 0; i < 3; i++) {
    const { chatId, record } = await seedLinkedChat();
    stored.set(chatId, record);
    numbers.push(chatId.replace("@c.us", ""));
  }
  const unlinked = await seedConversation({ clientId: null });
  stored.set(unlinked.chatId, null);
  numbers.push(unlinked.chatId.replace("@c.us", ""));
});

/** What the contract says the lookup of `raw` answers, given the stored chats. */
function expectedAnswer(raw: string): { status: number; body: unknown } {
  const parsed = expectedChatId(raw);
  if (!parsed.ok) return { status: 400, body: { error: parsed.error } };
  const record = stored.get(parsed.chatId);
  if (record === undefined) return { status: 404, body: { error: "Conversation not found" } };
  if (record === null) return { status: 404, body: { error: "Client not found" } };
  return { status: 200, body: { success: true, record } };
}

const INTERNALS =
  /stack|\bat \w|SELECT|INSERT|sqlite|D1_|drizzle|conversation\b|api_tokens|clients|CACHE|\bDB\b/;
const CONTRACT_ERRORS = new Set([
  "Chat ID is required",
  "Invalid chat ID",
  "Conversation not found",
  "Client not found",
]);

// Many requests each: the default 5 s is tight on a shared machine.
describe("GET /api/clients/view, for any input", { timeout: 30_000 }, () => {
  it("answers every chat id exactly as its grammar and the stored chats say", async () => {
    const storedNumber = fc.constantFrom(...numbers);
    const spellingOfStored = fc
      .tuple(
        storedNumber,
        fc.constantFrom("", ":0", ":12", "_1", "_1:3"),
        fc.constantFrom("@c.us", "@s.whatsapp.net", "@lid"),
      )
      .map(([number, part, server]) => `${number}${part}${server}`);
    const chatId = fc.oneof(
      spellingOfStored,
      spellingOfStored.map((id) => ` ${id}\t`),
      spellingOfStored.map((id) => `\u00a0${id}\u3000`),
      spellingOfStored.map((id) => `${id}x`),
      // Around the length limit: surrounding white space counts.
      fc
        .tuple(spellingOfStored, fc.integer({ min: 125, max: 131 }))
        .map(([id, length]) => id.padStart(length)),
      fc.stringMatching(/^\d{1,20}(-\d{1,10})?@(c\.us|g\.us|broadcast|newsletter|bot|hosted|hosted\.lid)$/),
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 20 }).map((text) => `${text}@c.us`),
    );
    await fc.assert(
      fc.asyncProperty(chatId, async (raw) => {
        const response = await lookup(raw, nextToken());
        const expected = expectedAnswer(raw);
        expect({ status: response.status, body: await response.json() }, JSON.stringify(raw)).toEqual(
          expected,
        );
      }),
      { numRuns: 150 },
    );
  });

  it("never answers 5xx nor shows internals, whatever the query string", async () => {
    const queryPart = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.constantFrom(...numbers.map((number) => `${number}@c.us`)),
      fc.constantFrom("%", "%%", "%ZZ", "%ED%A0%80", "%00", "..", "chatId", "chatId=", "&&", "=", "+", "%2B"),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(queryPart, { maxLength: 4 }), fc.boolean(), async (parts, encode) => {
        const values = encode
          ? parts.map(encodeURIComponent)
          : parts.map((part) => part.replace(/[#\s]/g, ""));
        const query = values.map((value, i) => (i % 2 === 0 ? `chatId=${value}` : value)).join("&");
        const response = await request(`/api/clients/view?${query}`, {
          headers: { Authorization: `Bearer ${nextToken()}` },
        });
        expect([200, 400, 404]).toContain(response.status);
        expect(response.headers.get("Content-Type")).toBe("application/json");
        const text = await response.text();
        const body = JSON.parse(text) as { error?: string; record?: Record };
        if (response.status === 200) {
          expect([...stored.values()]).toContainEqual(body.record);
        } else {
          expect(CONTRACT_ERRORS).toContain(body.error);
          expect(text).not.toMatch(INTERNALS);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("answers 401 Unauthorized with its challenge, whatever the Authorization header", async () => {
    const chatId = `${numbers[0]}@c.us`;
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 100 }).map((value) => `Bearer ${value}`),
      fc.string({ maxLength: 100 }).map((value) => `bearer  ${value}`),
      fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,80}=*$/).map((value) => `Bearer csl_${value}`),
      fc.constantFrom(
        "Bearer",
        "Bearer ",
        "Basic",
        "Bearer =",
        "Bearer ====",
        "Bearer a b",
        `Bearer ${"a".repeat(600)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        let headers: Headers;
        try {
          headers = new Headers({ Authorization: authorization });
        } catch {
          return; // Not a valid HTTP header value: no client can send it.
        }
        const response = await request(`/api/clients/view?chatId=${chatId}`, { headers });
        expect(response.status).toBe(401);
        expect(await response.text()).toBe('{"error":"Unauthorized"}');
        expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="clients-api"/);
      }),
      { numRuns: 150 },
    );
  });
});
