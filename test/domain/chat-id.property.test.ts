import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CHAT_ID_MAX_LENGTH, parseChatId } from "../../src/domain/chat-id";
import { ErrorMessage } from "../../src/errors";

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

describe("parseChatId, for any input", () => {
  it("accepts every id of the contract's grammar", () => {
    fc.assert(
      fc.property(validChatId, (chatId) => {
        expect(parseChatId(chatId).ok).toBe(true);
      }),
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

  it("gives the same canonical form to the c.us, s.whatsapp.net and device spellings of a person", () => {
    fc.assert(
      fc.property(digits(20), digits(3), (user, device) => {
        const canonical = parseChatId(`${user}@c.us`);
        expect(parseChatId(`${user}@s.whatsapp.net`)).toEqual(canonical);
        expect(parseChatId(`${user}:${device}@s.whatsapp.net`)).toEqual(canonical);
      }),
    );
  });

  it("either accepts or rejects with a contract message, and never throws, whatever the string", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 200 })),
        (raw) => {
          const result = parseChatId(raw);
          if (result.ok) {
            expect(result.chatId.length).toBeLessThanOrEqual(CHAT_ID_MAX_LENGTH);
            expect(result.chatId).toMatch(/^[0-9:_-]+@[a-z.]+$|^status@broadcast$/);
          } else {
            expect([ErrorMessage.chatIdRequired, ErrorMessage.chatIdInvalid]).toContain(result.error);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("rejects anything longer than 128 characters, valid as the rest may be", () => {
    fc.assert(
      fc.property(validChatId, fc.nat({ max: 200 }), (chatId, extra) => {
        const padded = "1".repeat(Math.max(0, CHAT_ID_MAX_LENGTH + 1 - chatId.length) + extra) + chatId;
        expect(parseChatId(padded)).toEqual({ ok: false, error: ErrorMessage.chatIdInvalid });
      }),
    );
  });
});
