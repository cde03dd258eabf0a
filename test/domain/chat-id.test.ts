import { describe, expect, it } from "vitest";
import { parseChatId } from "../../src/domain/chat-id";
import { ErrorMessage } from "../../src/errors";

describe("parseChatId", () => {
  it.each([
    ["123456789@c.us", "123456789@c.us"],
    ["123456789@s.whatsapp.net", "123456789@c.us"],
    ["123456789:12@s.whatsapp.net", "123456789@c.us"],
    ["123456789:3@c.us", "123456789@c.us"],
    ["123456789_1:2@s.whatsapp.net", "123456789@c.us"],
    ["98765432109876:4@lid", "98765432109876@lid"],
    ["120363025246125888@g.us", "120363025246125888@g.us"],
    ["5511999999999-1596040000@g.us", "5511999999999-1596040000@g.us"],
    ["120363123456789012@newsletter", "120363123456789012@newsletter"],
    ["1234567890@broadcast", "1234567890@broadcast"],
    ["status@broadcast", "status@broadcast"],
    ["  123456789@c.us  ", "123456789@c.us"],
  ])("accepts %j as %j", (raw, canonical) => {
    expect(parseChatId(raw)).toEqual({ ok: true, chatId: canonical });
  });

  it("answers the same canonical id whichever library spelled it", () => {
    const spellings = [
      "5511999999999@c.us",
      "5511999999999@s.whatsapp.net",
      "5511999999999:7@s.whatsapp.net",
    ];
    const canonical = spellings.map((raw) => parseChatId(raw));
    expect(canonical).toEqual(spellings.map(() => ({ ok: true, chatId: "5511999999999@c.us" })));
  });

  it.each([undefined, null, "", "   ", "\t"])("reports %j as required", (raw) => {
    expect(parseChatId(raw)).toEqual({ ok: false, error: ErrorMessage.chatIdRequired });
  });

  it.each([
    "abc",
    "123456789",
    "123456789@",
    "@c.us",
    "123456789@example.com",
    "123456789@C.US",
    "12a456789@c.us",
    "+123456789@c.us",
    "123 456@c.us",
    "123456789@c.us\n",
    "123\u0000456@c.us",
    "１２３@c.us",
    "123456789@c.us' OR '1'='1",
    "../123@c.us",
    ".",
    "..",
    `${"1".repeat(125)}@c.us`,
    ["1@c.us", "2@c.us"],
    42,
  ])("rejects %j as invalid", (raw) => {
    expect(parseChatId(raw)).toEqual({ ok: false, error: ErrorMessage.chatIdInvalid });
  });

  it("accepts an id of exactly 128 characters and rejects one of 129", () => {
    const at128 = `${"1".repeat(123)}@c.us`;
    expect(at128).toHaveLength(128);
    expect(parseChatId(at128)).toEqual({ ok: true, chatId: at128 });
    expect(parseChatId(`1${at128}`)).toEqual({ ok: false, error: ErrorMessage.chatIdInvalid });
  });
});
