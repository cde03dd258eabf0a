/**
 * WhatsApp chat ids (JIDs): validation and the canonical form every lookup and write uses.
 *
 * whatsapp-web.js spells a person `N@c.us`, Baileys `N@s.whatsapp.net`, and both may add a
 * `:device` (and Baileys an `_agent`) part for one of the person's linked devices. All of these
 * name the same chat, so they share one canonical form, `N@c.us`; a `lid` id loses its device and
 * agent parts the same way. Group, broadcast and newsletter ids are kept exactly as given.
 */
import * as z from "zod";
import { ErrorMessage } from "../errors";
import { lazy } from "../lib/lazy";

/** The longest chat id accepted, in UTF-16 code units (the contract's "128 characters"). */
export const CHAT_ID_MAX_LENGTH = 128;

/** The outcome of {@link parseChatId}. */
export type ChatIdResult =
  | { ok: true; chatId: string }
  | { ok: false; error: typeof ErrorMessage.chatIdRequired | typeof ErrorMessage.chatIdInvalid };

// user: digits, optionally `-digits` (old group ids), `_agent`, `:device`; then `@server`.
const CHAT_ID_PATTERN =
  /^(?<user>\d+)(?<group>-\d+)?(?:_\d+)?(?::\d+)?@(?<server>c\.us|s\.whatsapp\.net|g\.us|lid|broadcast|newsletter)$/;

// Servers whose ids name a person; their device and agent parts never name another chat.
const PERSON_SERVERS = new Set(["c.us", "s.whatsapp.net", "lid"]);

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
export const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;

/**
 * Validates a chat id and returns its canonical form; never throws, whatever the input.
 *
 * @param raw - The chat id as the caller sent it (surrounding white space is ignored).
 * @returns `{ ok: true, chatId }` with the canonical id, or `{ ok: false, error }` with the
 *   contract's error message.
 * @example
 * parseChatId("123456789:12@s.whatsapp.net"); // { ok: true, chatId: "123456789@c.us" }
 */
export function parseChatId(raw: unknown): ChatIdResult {
  if (raw === undefined || raw === null) return { ok: false, error: ErrorMessage.chatIdRequired };
  if (typeof raw !== "string") return { ok: false, error: ErrorMessage.chatIdInvalid };
  if (raw.length > CHAT_ID_MAX_LENGTH) return { ok: false, error: ErrorMessage.chatIdInvalid };
  const trimmed = raw.trim();
  if (trimmed === "") return { ok: false, error: ErrorMessage.chatIdRequired };
  if (CONTROL_CHARACTERS.test(raw)) return { ok: false, error: ErrorMessage.chatIdInvalid };
  if (trimmed === "status@broadcast") return { ok: true, chatId: trimmed };

  const match = CHAT_ID_PATTERN.exec(trimmed);
  const { user, group, server } = match?.groups ?? {};
  if (user === undefined || server === undefined) return { ok: false, error: ErrorMessage.chatIdInvalid };
  if (!PERSON_SERVERS.has(server)) return { ok: true, chatId: trimmed };
  return { ok: true, chatId: `${user}${group ?? ""}@${server === "lid" ? "lid" : "c.us"}` };
}

/**
 * A chat id field: validated with {@link parseChatId} and transformed to its canonical form.
 * Every failure carries the contract's message, which the validation hook answers as is. Built on
 * first use, as every schema here: a cold start builds none of them.
 */
export const chatIdSchema = lazy(() =>
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

/** The `alt` field: validated with {@link parseOtherChatId}, canonical or `undefined`. */
export const otherChatIdSchema = lazy(() =>
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

// A person's canonical ids: a phone-number id or a LID, never a group, broadcast or newsletter.
const PERSON_ID = /^\d+@(c\.us|lid)$/;

/** An alias: a person's id in any spelling, transformed to its canonical form. */
export const aliasSchema = lazy(() =>
  z.string({ error: ErrorMessage.aliasInvalid }).transform((raw, context) => {
    const result = parseChatId(raw);
    if (result.ok && PERSON_ID.test(result.chatId)) return result.chatId;
    context.addIssue({ code: "custom", message: ErrorMessage.aliasInvalid, input: raw });
    return z.NEVER;
  }),
);
