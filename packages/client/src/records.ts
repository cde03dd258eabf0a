/**
 * The service's 200 bodies, checked before they become results: a body of another shape (a
 * proxy, a wrong `baseUrl`) is `undefined` here, never a result with missing fields.
 */
import type { Conversation, LookupError, LookupFailure, SessionFound } from "./results.js";

/** `body[key]` when `body` is an object, else `undefined`. */
export function fieldOf(body: unknown, key: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

const isString = (value: unknown): value is string => typeof value === "string";

/** `{"record":{"id","session_id"}}`, the lookup's and the client write's record. */
export function readSession(body: unknown): SessionFound | undefined {
  const record = fieldOf(body, "record");
  const clientId = fieldOf(record, "id");
  const sessionId = fieldOf(record, "session_id");
  return isString(clientId) && isString(sessionId) ? { ok: true, clientId, sessionId } : undefined;
}

/** `{"record":{"chat_id","client_id","aliases"}}`, what the conversation routes answer. */
export function readConversation(body: unknown): Conversation | undefined {
  const record = fieldOf(body, "record");
  const chatId = fieldOf(record, "chat_id");
  const clientId = fieldOf(record, "client_id");
  const aliases = fieldOf(record, "aliases");
  if (!isString(chatId) || !(clientId === null || isString(clientId))) return undefined;
  if (!Array.isArray(aliases) || !aliases.every(isString)) return undefined;
  return { chatId, clientId, aliases };
}

// The single lookup's status for each message a batch item may answer.
const LOOKUP_STATUS: Record<LookupError, 400 | 404> = {
  "Chat ID is required": 400,
  "Invalid chat ID": 400,
  "Conversation not found": 404,
  "Client not found": 404,
};

const isLookupError = (value: unknown): value is LookupError =>
  isString(value) && Object.hasOwn(LOOKUP_STATUS, value);

function readLookupFailure(item: unknown): LookupFailure | undefined {
  const error = fieldOf(item, "error");
  return isLookupError(error) ? { ok: false, status: LOOKUP_STATUS[error], error } : undefined;
}

/** `{"results":[…]}`, the batch's answer: each item a record or an error. */
export function readBatch(body: unknown): (SessionFound | LookupFailure)[] | undefined {
  const items = fieldOf(body, "results");
  if (!Array.isArray(items)) return undefined;
  const results: (SessionFound | LookupFailure)[] = [];
  for (const item of items) {
    const result = readSession(item) ?? readLookupFailure(item);
    if (result === undefined) return undefined;
    results.push(result);
  }
  return results;
}

/** `{"success":true}`, the answer of the deletes. */
export function readSuccess(body: unknown): true | undefined {
  return fieldOf(body, "success") === true ? true : undefined;
}
