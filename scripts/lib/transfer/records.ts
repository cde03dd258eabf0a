/**
 * One conversation of an import file: the fields of a line (NDJSON or CSV) checked with the
 * API's own rules and put in canonical form, or the reasons they cannot be.
 */
import { aliasSchema, CONTROL_CHARACTERS, isPersonId, parseChatId } from "../../../src/domain/chat-id.ts";
import { clientIdSchema } from "../../../src/domain/client.ts";
import { show } from "./problems.ts";

/** A line of the file, valid and canonical. */
export interface ImportRecord {
  /** Its line in the file. */
  line: number;
  chatId: string;
  clientId: string | null;
  /** Set exactly when `clientId` is. */
  sessionId: string | null;
  /** Its other ids, canonical, each once, never `chatId`. */
  aliases: readonly string[];
}

// Most lines have no alias: they share one empty list (a million of them are worth sparing).
const NO_ALIASES: readonly string[] = Object.freeze([]);

/** The fields of a line, in the file's own words. */
export const FIELDS = ["chat_id", "client_id", "session_id", "aliases"] as const;

const SESSION_ID_MAX_LENGTH = 128;
// Unpaired UTF-16 surrogates: a string no UTF-8 encoder can write as it is.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Checks the fields of line `line` (a JSON object, or a CSV record made into one).
 *
 * @returns The record, or the reasons (each a plain sentence) it is not one.
 */
export function toRecord(
  line: number,
  fields: Record<string, unknown>,
): { record: ImportRecord } | { reasons: string[] } {
  const reasons: string[] = [];
  for (const name of Object.keys(fields)) {
    if (!(FIELDS as readonly string[]).includes(name)) {
      reasons.push(`unknown field ${show(name)} (the fields are ${FIELDS.join(", ")})`);
    }
  }
  const chatId = checkChatId(fields.chat_id, "chat_id" in fields, reasons);
  const clientId = checkClientId(fields.client_id, "client_id" in fields, reasons);
  const sessionId = checkSessionId(fields.session_id, fields.client_id, reasons);
  const aliases = checkAliases(fields.aliases, reasons);
  if (chatId !== undefined && aliases.length > 0 && !isPersonId(chatId)) {
    reasons.push(`chat_id ${show(chatId)} is not a person's id: only a person's conversation has aliases`);
  }
  if (reasons.length > 0 || chatId === undefined || clientId === undefined || sessionId === undefined) {
    return { reasons };
  }
  return {
    record: { line, chatId, clientId, sessionId, aliases: aliases.filter((alias) => alias !== chatId) },
  };
}

function checkChatId(value: unknown, present: boolean, reasons: string[]): string | undefined {
  if (!present) {
    reasons.push("chat_id is missing");
    return undefined;
  }
  if (typeof value !== "string") {
    reasons.push(`chat_id must be a string, not ${show(value)}`);
    return undefined;
  }
  const result = parseChatId(value);
  if (result.ok) return result.chatId;
  reasons.push(value.trim() === "" ? "chat_id is empty" : `chat_id ${show(value)} is not a WhatsApp chat id`);
  return undefined;
}

function checkClientId(value: unknown, present: boolean, reasons: string[]): string | null | undefined {
  if (!present) {
    reasons.push("client_id is missing (null: a conversation without a client)");
    return undefined;
  }
  if (value === null) return null;
  if (typeof value !== "string") {
    reasons.push(`client_id must be a string or null, not ${show(value)}`);
    return undefined;
  }
  if (clientIdSchema().safeParse(value).success) return value;
  reasons.push(
    `client_id ${show(value)} is not a client id: 1-128 of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit`,
  );
  return undefined;
}

function checkSessionId(value: unknown, clientId: unknown, reasons: string[]): string | null | undefined {
  const noClient = clientId === null || clientId === undefined;
  if (value === undefined || value === null) {
    if (noClient) return null;
    reasons.push("session_id is missing: a line with a client_id needs the client's session");
    return undefined;
  }
  if (noClient) {
    reasons.push(`session_id ${show(value)} without a client_id: a session belongs to a client`);
    return undefined;
  }
  if (typeof value !== "string") {
    reasons.push(`session_id must be a string, not ${show(value)}`);
    return undefined;
  }
  const trimmed = value.trim();
  if (
    trimmed === "" ||
    value.length > SESSION_ID_MAX_LENGTH ||
    CONTROL_CHARACTERS.test(value) ||
    LONE_SURROGATE.test(value)
  ) {
    reasons.push(
      `session_id ${show(value)} must be 1-128 characters, with no control characters or unpaired surrogates`,
    );
    return undefined;
  }
  return trimmed;
}

function checkAliases(value: unknown, reasons: string[]): readonly string[] {
  if (value === undefined || value === null) return NO_ALIASES;
  if (!Array.isArray(value)) {
    reasons.push(`aliases must be an array of chat ids, not ${show(value)}`);
    return NO_ALIASES;
  }
  if (value.length === 0) return NO_ALIASES;
  const aliases = new Set<string>();
  for (const alias of value) {
    if (typeof alias !== "string") {
      reasons.push(`aliases must hold strings, not ${show(alias)}`);
      continue;
    }
    const result = aliasSchema().safeParse(alias);
    if (result.success) aliases.add(result.data);
    else
      reasons.push(
        `alias ${show(alias)} is not a person's id (a phone-number id such as N@c.us or N, a LID N@lid, a business-scoped user id CC.X)`,
      );
  }
  return [...aliases];
}
