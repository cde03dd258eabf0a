import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseChatId } from "../../src/domain/chat-id";
import { expectedChatId, MAX_CHAT_ID_LENGTH } from "../support/chat-id-oracle";

const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
const SERVERS = ["c.us", "s.whatsapp.net", "g.us", "lid", "broadcast", "newsletter"] as const;

/** Every chat id of the contract's grammar: digits, optional -digits, _agent and :device parts, a server. */
const validChatId = fc
  .record({
    user: digits(20),
    group: fc.option(digits(12), { nil: undefined }),
    agent: fc.option(digits(3), { nil: undefined }),
    device: fc.option(digits(3), { nil: undefined }),
    server: fc.constantFrom(...SERVERS),
  })
  .map(({ user, group, agent, device, server }) => {
    const parts = [user, group && `-${group}`, agent && `_${agent}`, device && `:${device}`];
    return `${parts.filter(Boolean).join("")}@${server}`;
  });

/** Characters that sit at a boundary of the grammar: white space, control characters, separators. */
const edgeCharacter = fc.constantFrom(
  " ",
  "\t",
  "\n",
  "\u0000",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u3000",
  "\ufeff",
  "@",
  "-",
  "_",
  ":",
  ".",
  "+",
  "a",
  "１",
);

/** Servers the grammar does not have: other WhatsApp servers, and misspellings of its own. */
const OTHER_SERVERS = [
  "bot",
  "msgr",
  "interop",
  "hosted",
  "hosted.lid",
  "C.US",
  "c.us.",
  "whatsapp.net",
  "gus",
  "",
];

/** A valid id with something added, removed or swapped: mostly near misses of the grammar. */
const nearChatId = fc.oneof(
  fc
    .tuple(validChatId, fc.constantFrom(...OTHER_SERVERS))
    .map(([id, server]) => `${id.slice(0, id.indexOf("@"))}@${server}`),
  fc
    .tuple(validChatId, fc.nat(), edgeCharacter)
    .map(
      ([id, at, character]) => id.slice(0, at % (id.length + 1)) + character + id.slice(at % (id.length + 1)),
    ),
  fc
    .tuple(validChatId, fc.nat())
    .map(([id, at]) => id.slice(0, at % id.length) + id.slice((at % id.length) + 1)),
  fc
    .tuple(fc.array(edgeCharacter, { maxLength: 3 }), validChatId, fc.array(edgeCharacter, { maxLength: 3 }))
    .map(([before, id, after]) => before.join("") + id + after.join("")),
  // Around the length limit, padded with digits or with white space.
  fc
    .tuple(
      validChatId,
      fc.integer({ min: MAX_CHAT_ID_LENGTH - 3, max: MAX_CHAT_ID_LENGTH + 3 }),
      fc.boolean(),
    )
    .map(([id, length, spaces]) => id.padStart(length, spaces ? " " : "1")),
  fc.constantFrom(
    "status@broadcast",
    " status@broadcast ",
    "status@c.us",
    "Status@broadcast",
    "status:1@broadcast",
  ),
);

describe("parseChatId, for any input", () => {
  it("answers every id of the contract's grammar with the contract's canonical form", () => {
    fc.assert(
      fc.property(validChatId, (chatId) => {
        expect(parseChatId(chatId)).toEqual(expectedChatId(chatId));
      }),
    );
  });

  it("answers every near miss of the grammar as the contract does", () => {
    fc.assert(
      fc.property(nearChatId, (raw) => {
        expect(parseChatId(raw), JSON.stringify(raw)).toEqual(expectedChatId(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it("answers any string as the contract does, and never throws", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 200 })),
        (raw) => {
          expect(parseChatId(raw), JSON.stringify(raw)).toEqual(expectedChatId(raw));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives a canonical form that is its own canonical form", () => {
    fc.assert(
      fc.property(validChatId, (chatId) => {
        const first = parseChatId(chatId);
        if (!first.ok) throw new Error(`rejected ${chatId}`);
        expect(parseChatId(first.chatId)).toEqual(first);
      }),
    );
  });

  it("gives the c.us, s.whatsapp.net, agent and device spellings of a person one canonical id", () => {
    fc.assert(
      fc.property(digits(20), digits(3), digits(2), (user, device, agent) => {
        const canonical = { ok: true, chatId: `${user}@c.us` };
        expect(parseChatId(`${user}@c.us`)).toEqual(canonical);
        expect(parseChatId(`${user}@s.whatsapp.net`)).toEqual(canonical);
        expect(parseChatId(`${user}:${device}@s.whatsapp.net`)).toEqual(canonical);
        expect(parseChatId(`${user}_${agent}:${device}@s.whatsapp.net`)).toEqual(canonical);
        expect(parseChatId(`${user}:${device}@lid`)).toEqual({ ok: true, chatId: `${user}@lid` });
      }),
    );
  });

  it(`rejects anything longer than ${MAX_CHAT_ID_LENGTH} characters, valid as the rest may be`, () => {
    fc.assert(
      fc.property(validChatId, fc.nat({ max: 200 }), (chatId, extra) => {
        const padded = "1".repeat(Math.max(0, MAX_CHAT_ID_LENGTH + 1 - chatId.length) + extra) + chatId;
        expect(parseChatId(padded)).toEqual({ ok: false, error: "Invalid chat ID" });
      }),
    );
  });
});
