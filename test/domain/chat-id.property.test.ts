import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPersonId, parseChatId } from "../../src/domain/chat-id";
import { expectedChatId, isPersonChatId, MAX_CHAT_ID_LENGTH } from "../support/chat-id-oracle";

const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
const SERVERS = [
  "c.us",
  "s.whatsapp.net",
  "hosted",
  "g.us",
  "lid",
  "hosted.lid",
  "broadcast",
  "newsletter",
] as const;

/** Every JID of the contract's grammar: digits, optional -digits, agent and :device parts, a server. */
const webChatId = fc
  .record({
    user: digits(20),
    group: fc.option(digits(12), { nil: undefined }),
    agent: fc.option(fc.tuple(fc.constantFrom("_", "."), digits(3)), { nil: undefined }),
    device: fc.option(digits(3), { nil: undefined }),
    server: fc.constantFrom(...SERVERS),
  })
  .map(({ user, group, agent, device, server }) => {
    const parts = [user, group && `-${group}`, agent?.join(""), device && `:${device}`];
    return `${parts.filter(Boolean).join("")}@${server}`;
  });

/** A Cloud API `wa_id`: 7 to 15 digits, no leading 0, with or without `+`. */
const waId = fc
  .tuple(fc.constantFrom("", "+"), fc.stringMatching(/^[1-9][0-9]{6,14}$/))
  .map(([plus, number]) => `${plus}${number}`);

/** A business-scoped user id, or a parent one: `CC.X`, `CC.ENT.X`. */
const businessScopedUserId = fc
  .tuple(
    fc.stringMatching(/^[A-Z]{2}$/),
    fc.constantFrom("", "ENT."),
    fc.oneof(fc.stringMatching(/^[0-9]{1,30}$/), fc.stringMatching(/^[A-Za-z0-9]{1,128}$/)),
  )
  .map(([country, parent, letters]) => `${country}.${parent}${letters}`);

/** Every chat id of the contract's grammar. */
const validChatId = fc.oneof(
  { arbitrary: webChatId, weight: 3 },
  waId,
  businessScopedUserId,
  fc.constant("status@broadcast"),
);

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
  "call",
  "HOSTED",
  "hosted.",
  "lid.hosted",
  "hosted.lid.",
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
  // Numbers around the wa_id's bounds, and BSUIDs near their rules.
  fc
    .tuple(fc.constantFrom("", "+", "++", "00", "+0", "0", " +", "-"), fc.stringMatching(/^[0-9]{5,17}$/))
    .map(([prefix, number]) => `${prefix}${number}`),
  fc
    .tuple(
      fc.constantFrom("US", "us", "Us", "USA", "U", "U1", "ÜS", ""),
      fc.constantFrom(".", "..", "-", "_", ""),
      fc.constantFrom("", "ENT.", "ent.", "ENT", "ENT..", "ENT.ENT."),
      fc.stringMatching(/^[A-Za-z0-9_.:@+-]{0,130}$/),
    )
    .map(([country, dot, parent, letters]) => `${country}${dot}${parent}${letters}`),
  // Around the 128 letters and digits of a BSUID.
  fc
    .tuple(
      fc.stringMatching(/^[A-Z]{2}$/),
      fc.constantFrom("", "ENT."),
      fc.integer({ min: 126, max: 130 }),
      fc.constantFrom("a", "Z", "7"),
    )
    .map(([country, parent, length, letter]) => `${country}.${parent}${letter.repeat(length)}`),
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

  it("gives the hosted, whatsmeow and wa_id spellings of a phone number one canonical id, and of a LID one", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{6,14}$/), digits(3), digits(2), (user, device, agent) => {
        const canonical = { ok: true, chatId: `${user}@c.us` };
        for (const spelling of [
          user,
          `+${user}`,
          `${user}@hosted`,
          `${user}:${device}@hosted`,
          `${user}.${agent}:${device}@s.whatsapp.net`,
        ]) {
          expect(parseChatId(spelling), spelling).toEqual(canonical);
        }
        const lid = { ok: true, chatId: `${user}@lid` };
        expect(parseChatId(`${user}@hosted.lid`)).toEqual(lid);
        expect(parseChatId(`${user}:${device}@hosted.lid`)).toEqual(lid);
        expect(parseChatId(`${user}.${agent}:${device}@lid`)).toEqual(lid);
      }),
    );
  });

  it("keeps every business-scoped user id exactly as given, upper and lower case apart", () => {
    fc.assert(
      fc.property(businessScopedUserId, (id) => {
        expect(parseChatId(id)).toEqual({ ok: true, chatId: id });
        const swapped = id.slice(0, 3) + [...id.slice(3)].map(swapCase).join("");
        if (swapped !== id && expectedChatId(swapped).ok) {
          expect(parseChatId(swapped)).toEqual({ ok: true, chatId: swapped });
        }
      }),
    );
  });

  it("tells a person's ids from groups, broadcasts and newsletters as the contract does", () => {
    fc.assert(
      fc.property(validChatId, (raw) => {
        const parsed = parseChatId(raw);
        if (!parsed.ok) throw new Error(`rejected ${raw}`);
        expect(isPersonId(parsed.chatId), parsed.chatId).toBe(isPersonChatId(parsed.chatId));
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

function swapCase(character: string): string {
  const upper = character.toUpperCase();
  return upper === character ? character.toLowerCase() : upper;
}
