import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { lookup, request, seedClient, seedConversation, seedLinkedChat, seedToken } from "../helpers";
import { expectedChatId, isPersonChatId, MAX_CHAT_ID_LENGTH } from "../support/chat-id-oracle";

type Record = { id: string; session_id: string };

// Chats stored before the properties run, by canonical id: what the lookup must find.
const stored = new Map<string, Record | null>();
const numbers: string[] = [];
// Business-scoped user ids stored as chat ids (kept as given).
const businessIds: string[] = [];
// Enough tokens that no run goes over the rate limit (100 per token in tests).
const tokens: string[] = [];
let requests = 0;
const nextToken = () => tokens[requests++ % tokens.length] as string;

beforeAll(async () => {
  for (let i = 0; i < 6; i++) tokens.push(await seedToken());
  for (let i = 0; i < 3; i++) {
    const { chatId, record } = await seedLinkedChat();
    stored.set(chatId, record);
    numbers.push(chatId.replace("@c.us", ""));
  }
  const unlinked = await seedConversation({ clientId: null });
  stored.set(unlinked.chatId, null);
  numbers.push(unlinked.chatId.replace("@c.us", ""));
  const client = await seedClient();
  for (const chatId of ["US.13491208655302741918", "BR.ENT.aB3xY9"]) {
    await seedConversation({ chatId, clientId: client.id });
    stored.set(chatId, { id: client.id, session_id: client.sessionId });
    businessIds.push(chatId);
  }
  const group = await seedConversation({ chatId: "120363025246125888@g.us", clientId: client.id });
  stored.set(group.chatId, { id: client.id, session_id: client.sessionId });
});

/** What the contract says the lookup of `raw` (with `alt`, when given) answers, given the stored chats. */
function expectedAnswer(raw: string, rawAlt?: string): { status: number; body: unknown } {
  const parsed = expectedChatId(raw);
  if (!parsed.ok) return { status: 400, body: { error: parsed.error } };
  const ids = [parsed.chatId];
  if (rawAlt !== undefined && rawAlt.trim() !== "") {
    const alt = expectedChatId(rawAlt);
    if (!alt.ok) return { status: 400, body: { error: "Invalid chat ID" } };
    if (!isPersonChatId(parsed.chatId) || !isPersonChatId(alt.chatId)) {
      return { status: 400, body: { error: "Invalid alt" } };
    }
    ids.push(alt.chatId);
  }
  const records = ids.map((id) => stored.get(id));
  const record = records.find((candidate) => candidate !== undefined && candidate !== null);
  if (record) return { status: 200, body: { success: true, record } };
  if (records.includes(null)) return { status: 404, body: { error: "Client not found" } };
  return { status: 404, body: { error: "Conversation not found" } };
}

const INTERNALS =
  /stack|\bat \w|SELECT|INSERT|sqlite|D1_|drizzle|conversation\b|api_tokens|clients|CACHE|\bDB\b/;
const CONTRACT_ERRORS = new Set([
  "Chat ID is required",
  "Invalid chat ID",
  "Invalid alt",
  "Conversation not found",
  "Client not found",
]);

// Many requests each: the default 5 s is tight on a shared machine.
describe("GET /api/clients/view, for any input", { timeout: 30_000 }, () => {
  it("answers every chat id exactly as its grammar and the stored chats say", async () => {
    const chatId = anyChatId();
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

  it("answers every chat id and alt exactly as their grammar, the alt rule and the stored chats say", async () => {
    const chatId = anyChatId();
    const alt = fc.oneof(chatId, fc.constantFrom("", " ", "120363025246125888@g.us", "status@broadcast"));
    await fc.assert(
      fc.asyncProperty(chatId, alt, async (raw, rawAlt) => {
        const response = await request(
          `/api/clients/view?chatId=${encodeURIComponent(raw)}&alt=${encodeURIComponent(rawAlt)}`,
          { headers: { Authorization: `Bearer ${nextToken()}` } },
        );
        expect(
          { status: response.status, body: await response.json() },
          JSON.stringify([raw, rawAlt]),
        ).toEqual(expectedAnswer(raw, rawAlt));
      }),
      { numRuns: 150 },
    );
  });

  it("never answers 5xx nor shows internals, whatever the query string", async () => {
    const queryPart = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.constantFrom(...numbers.map((number) => `${number}@c.us`), ...businessIds),
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

/** Chat ids as callers send them: every spelling of the stored ones, near misses, and anything. */
function anyChatId() {
  const storedNumber = fc.constantFrom(...numbers);
  const spellingOfStored = fc.oneof(
    fc
      .tuple(
        storedNumber,
        fc.constantFrom("", ":0", ":12", "_1", "_1:3", ".1:3", ":99"),
        fc.constantFrom("@c.us", "@s.whatsapp.net", "@hosted", "@lid", "@hosted.lid"),
      )
      .map(([number, part, server]) => `${number}${part}${server}`),
    fc.tuple(fc.constantFrom("", "+"), storedNumber).map(([plus, number]) => `${plus}${number}`),
    fc.constantFrom(...businessIds),
  );
  return fc.oneof(
    spellingOfStored,
    spellingOfStored.map((id) => ` ${id}\t`),
    spellingOfStored.map((id) => `\u00a0${id}\u3000`),
    spellingOfStored.map((id) => `${id}x`),
    // Business-scoped user ids are kept as given: another case is another id.
    fc.constantFrom(...businessIds).map((id) => id.toLowerCase()),
    // Around the length limit: surrounding white space counts.
    fc
      .tuple(spellingOfStored, fc.integer({ min: MAX_CHAT_ID_LENGTH - 3, max: MAX_CHAT_ID_LENGTH + 3 }))
      .map(([id, length]) => id.padStart(length)),
    fc.stringMatching(/^\d{1,20}(-\d{1,10})?@(c\.us|g\.us|broadcast|newsletter|bot|hosted|hosted\.lid)$/),
    fc.constant("120363025246125888@g.us"),
    fc.string({ maxLength: 40 }),
    fc.string({ maxLength: 20 }).map((text) => `${text}@c.us`),
  );
}
