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
    // Cloud API numbers and hosted devices: the same person as N@c.us.
    ["16505551234", "16505551234@c.us"],
    ["+16505551234", "16505551234@c.us"],
    ["1234567", "1234567@c.us"],
    ["123456789012345", "123456789012345@c.us"],
    ["16505551234@hosted", "16505551234@c.us"],
    ["16505551234:99@hosted", "16505551234@c.us"],
    ["16505551234.0:2@s.whatsapp.net", "16505551234@c.us"],
    ["16505551234.1@c.us", "16505551234@c.us"],
    ["98765432109876@hosted.lid", "98765432109876@lid"],
    ["98765432109876:99@hosted.lid", "98765432109876@lid"],
    ["98765432109876.1:4@lid", "98765432109876@lid"],
    // Business-scoped user ids, kept exactly as given.
    ["US.13491208655302741918", "US.13491208655302741918"],
    ["BR.1502576394655843", "BR.1502576394655843"],
    ["US.ENT.11815799212886844830", "US.ENT.11815799212886844830"],
    ["US.aBc123", "US.aBc123"],
    [" US.13491208655302741918 ", "US.13491208655302741918"],
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
    "123456",
    "1234567890123456",
    "0123456789",
    "+0123456789",
    "++123456789",
    "+ 123456789",
    "123456789@",
    "123456789@bot",
    "123456789@msgr",
    "123456789@interop",
    "123456789@HOSTED",
    "123456789_1.2@c.us",
    "123456789.@c.us",
    "us.13491208655302741918",
    "USA.13491208655302741918",
    "U.13491208655302741918",
    "US.",
    "US.ENT.",
    "US.1349-1208",
    "US.ENT.ENT.123",
    "US..123",
    `US.${"1".repeat(129)}`,
    "US.13491208655302741918@c.us",
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
    `${"1".repeat(157)}@c.us`,
    ["1@c.us", "2@c.us"],
    42,
  ])("rejects %j as invalid", (raw) => {
    expect(parseChatId(raw)).toEqual({ ok: false, error: ErrorMessage.chatIdInvalid });
  });

  it("accepts an id of exactly 160 characters and rejects one of 161", () => {
    const at160 = `${"1".repeat(155)}@c.us`;
    expect(at160).toHaveLength(160);
    expect(parseChatId(at160)).toEqual({ ok: true, chatId: at160 });
    expect(parseChatId(`1${at160}`)).toEqual({ ok: false, error: ErrorMessage.chatIdInvalid });
  });

  it("accepts the longest parent BSUID: 128 letters and digits after CC.ENT.", () => {
    const longest = `US.ENT.${"a1".repeat(64)}`;
    expect(longest).toHaveLength(135);
    expect(parseChatId(longest)).toEqual({ ok: true, chatId: longest });
  });
});
