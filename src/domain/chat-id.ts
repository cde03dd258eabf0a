/**
 * WhatsApp chat ids: validation and the canonical form every lookup and write uses.
 *
 * Each stack names a person its own way (docs/bot-stacks.md says where each form comes from):
 * - the web protocol's JIDs, `user@server`: whatsapp-web.js spells a person `N@c.us`, Baileys and
 *   whatsmeow `N@s.whatsapp.net`, and a Cloud API number's device `N@hosted`; a LID is `N@lid`,
 *   or `N@hosted.lid`. Each may carry a device part (`:D`) and an agent part (`_A`, whatsmeow's
 *   `.A`) naming one of the person's devices, never another chat;
 * - the Cloud API's `wa_id`: the number alone, E.164 without separators (`N` or `+N`);
 * - the Cloud API's business-scoped user ids (BSUID), `CC.X` and the parent form `CC.ENT.X`.
 * All spellings of a phone number share one canonical form, `N@c.us`, and all of a LID `N@lid`.
 * BSUIDs, groups, broadcasts and newsletters are kept exactly as given.
 */
import * as z from "zod";
import { ErrorMessage } from "../errors";
import { lazy } from "../lib/lazy";

/** The longest chat id accepted, in UTF-16 code units (the contract's "160 characters"). */
export const CHAT_ID_MAX_LENGTH = 160;

/** The outcome of {@link parseChatId}. */
export type ChatIdResult =
  | { ok: true; chatId: string }
  | { ok: false; error: typeof ErrorMessage.chatIdRequired | typeof ErrorMessage.chatIdInvalid };

// user: digits, optionally `-digits` (old group ids), an agent (`_A` or whatsmeow's `.A`) and a
// device (`:D`); then `@server`.
const WEB_ID =
  /^(?<user>\d+)(?<group>-\d+)?(?:[_.]\d+)?(?::\d+)?@(?<server>c\.us|s\.whatsapp\.net|hosted|g\.us|lid|hosted\.lid|broadcast|newsletter)$/;

// Servers whose ids name a person, and the canonical server of each: every device of a person,
// and every server that names the same number, is one chat.
const PERSON_SERVERS: Readonly<Record<string, string>> = {
  "c.us": "c.us",
  "s.whatsapp.net": "c.us",
  hosted: "c.us",
  lid: "lid",
  "hosted.lid": "lid",
};

// The Cloud API's wa_id: E.164 without separators, 7 to 15 digits, no leading 0.
const WA_ID = /^\+?(?<number>[1-9]\d{6,14})$/;

// A business-scoped user id: an ISO 3166 alpha-2 country code, `.`, up to 128 letters and
// digits; a parent BSUID has `ENT.` after the country code.
const BSUID = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

// A person's canonical ids: a phone-number id, a LID, a BSUID.
const PERSON_ID = /^\d+@(?:c\.us|lid)$/;

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
export const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;

/** The canonical form of a trimmed id, or `undefined` when it is of no accepted form. */
function canonicalOf(id: string): string | undefined {
  if (id === "status@broadcast" || BSUID.test(id)) return id;
  const number = WA_ID.exec(id)?.groups?.number;
  if (number !== undefined) return `${number}@c.us`;
  const { user, group, server } = WEB_ID.exec(id)?.groups ?? {};
  if (user === undefined || server === undefined) return undefined;
  const personServer = PERSON_SERVERS[server];
  return personServer === undefined ? id : `${user}${group ?? ""}@${personServer}`;
}

/**
 * Validates a chat id and returns its canonical form; never throws, whatever the input.
 *
 * @param raw - The chat id as the caller sent it (surrounding white space is ignored).
 * @returns `{ ok: true, chatId }` with the canonical id, or `{ ok: false, error }` with the
 *   contract's error message.
 * @example
 * parseChatId("123456789:12@s.whatsapp.net"); // { ok: true, chatId: "123456789@c.us" }
 * parseChatId("+16505551234"); // { ok: true, chatId: "16505551234@c.us" }
 * parseChatId("US.13491208655302741918"); // { ok: true, chatId: "US.13491208655302741918" }
 */
export function parseChatId(raw: unknown): ChatIdResult {
  if (raw === undefined || raw === null) return { ok: false, error: ErrorMessage.chatIdRequired };
  if (typeof raw !== "string") return { ok: false, error: ErrorMessage.chatIdInvalid };
  if (raw.length > CHAT_ID_MAX_LENGTH) return { ok: false, error: ErrorMessage.chatIdInvalid };
  const trimmed = raw.trim();
  if (trimmed === "") return { ok: false, error: ErrorMessage.chatIdRequired };
  if (CONTROL_CHARACTERS.test(raw)) return { ok: false, error: ErrorMessage.chatIdInvalid };
  const chatId = canonicalOf(trimmed);
  return chatId === undefined ? { ok: false, error: ErrorMessage.chatIdInvalid } : { ok: true, chatId };
}

/**
 * Whether a canonical chat id names a person (a phone-number id, a LID, a BSUID): the only ids
 * that may be aliases, or be looked up with `alt`. Groups, broadcasts, newsletters and old group
 * ids (`N-M@…`) are not.
 */
export function isPersonId(chatId: string): boolean {
  return PERSON_ID.test(chatId) || BSUID.test(chatId);
}

/**
 * A chat id field: validated with {@link parseChatId} and transformed to its canonical form.
 * Every failure carries the contract's message, which the validation hook answers as is. Built on
 * first use, as every schema here: a cold start builds none of them.
 */
export const chatIdSchema = /* @__PURE__ */ lazy(() =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined ? ErrorMessage.chatIdRequired : ErrorMessage.chatIdInvalid,
    })
    .transform((raw, context) => {
      const result = parseChatId(raw);
      if (result.ok) return result.chatId;
      context.addIssue({ code: "custom", message: result.error, input: raw });
      return z.NEVER;
    }),
);

/**
 * An optional second chat id (`alt`: the other id of the same person): `chatId`'s rules, but
 * absent, empty or blank means none (`chatId: undefined`).
 */
export function parseOtherChatId(
  raw: string | null | undefined,
): { ok: true; chatId: string | undefined } | { ok: false; error: typeof ErrorMessage.chatIdInvalid } {
  if (raw === undefined || raw === null || raw.trim() === "") return { ok: true, chatId: undefined };
  const result = parseChatId(raw);
  return result.ok ? result : { ok: false, error: ErrorMessage.chatIdInvalid };
}

/**
 * What is wrong with `alt` beside `chatId` (both canonical): `alt` is the other id of the same
 * person, so neither may be a group, broadcast or newsletter; a reply to a group must go out
 * from the group's client, never a participant's.
 */
export function altError(
  chatId: string,
  alt: string | undefined,
): typeof ErrorMessage.altInvalid | undefined {
  if (alt === undefined || (isPersonId(chatId) && isPersonId(alt))) return undefined;
  return ErrorMessage.altInvalid;
}

/** The `alt` field: validated with {@link parseOtherChatId}, canonical or `undefined`. */
export const otherChatIdSchema = /* @__PURE__ */ lazy(() =>
  z
    .string({ error: ErrorMessage.chatIdInvalid })
    .optional()
    .transform((raw, context) => {
      const result = parseOtherChatId(raw);
      if (result.ok) return result.chatId;
      context.addIssue({ code: "custom", message: result.error, input: raw });
      return z.NEVER;
    }),
);

/** An alias: a person's id in any spelling, transformed to its canonical form. */
export const aliasSchema = /* @__PURE__ */ lazy(() =>
  z.string({ error: ErrorMessage.aliasInvalid }).transform((raw, context) => {
    const result = parseChatId(raw);
    if (result.ok && isPersonId(result.chatId)) return result.chatId;
    context.addIssue({ code: "custom", message: ErrorMessage.aliasInvalid, input: raw });
    return z.NEVER;
  }),
);
