/**
 * The service's bodies, checked before they become results: a body of another shape (a proxy,
 * a wrong `baseUrl`) is `undefined` here, never a result with missing fields. Field names are
 * those of the wire types (operations.ts), so a field the service renames fails to compile.
 */
import type {
  AnswerOf,
  BatchItem,
  ClientRecord,
  ConversationRecord,
  ErrorBody,
  ErrorDetail,
  ListedSession,
  SessionRecord,
  SessionState,
  SessionStatus,
} from "./operations.js";
import type {
  Conversation,
  ListedSessionRecord,
  LookupError,
  LookupFailure,
  SessionFound,
  SessionStatusRecord,
} from "./results.js";

/** `body[key]` when `body` is an object, else `undefined`: `key` is a field of `T`, the type `body` should have. */
export function fieldOf<T>(body: unknown, key: keyof T & string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

const isString = (value: unknown): value is string => typeof value === "string";

/** `{"record":{"id","session_id"}}`, the lookup's and the client write's answer. */
export function readSession(body: unknown): SessionFound | undefined {
  const record = fieldOf<AnswerOf<"getClientSession" | "putClient">>(body, "record");
  return readClientRecord(record);
}

function readClientRecord(record: unknown): SessionFound | undefined {
  const clientId = fieldOf<ClientRecord>(record, "id");
  const sessionId = fieldOf<ClientRecord>(record, "session_id");
  if (!isString(clientId) || !isString(sessionId)) return undefined;
  const session = fieldOf<ClientRecord>(record, "session");
  if (session === undefined) return { ok: true, clientId, sessionId };
  const state = readSessionState(session);
  return state === undefined ? undefined : { ok: true, clientId, sessionId, session: state };
}

const STATUSES: ReadonlySet<string> = new Set<SessionStatus>([
  "WORKING",
  "STARTING",
  "SCAN_QR_CODE",
  "FAILED",
  "STOPPED",
  "UNKNOWN",
]);

const isStatus = (value: unknown): value is SessionStatus => isString(value) && STATUSES.has(value);

/** `{"status","since"}`: a session's status and since when. */
function readSessionState(value: unknown): SessionState | undefined {
  const status = fieldOf<SessionState>(value, "status");
  const since = fieldOf<SessionState>(value, "since");
  return isStatus(status) && (since === null || isString(since)) ? { status, since } : undefined;
}

function readSessionRecord(record: unknown): SessionStatusRecord | undefined {
  const sessionId = fieldOf<SessionRecord>(record, "id");
  const state = readSessionState(record);
  return isString(sessionId) && state !== undefined ? { sessionId, ...state } : undefined;
}

/** `{"record":{"id","status","since"}}`, the status write's answer. */
export function readSessionStatus(body: unknown): SessionStatusRecord | undefined {
  return readSessionRecord(fieldOf<AnswerOf<"putSessionStatus">>(body, "record"));
}

/** `{"sessions":[…]}`, the session list. */
export function readSessionList(body: unknown): ListedSessionRecord[] | undefined {
  const sessions = fieldOf<AnswerOf<"listSessions">>(body, "sessions");
  if (!Array.isArray(sessions)) return undefined;
  const listed: ListedSessionRecord[] = [];
  for (const session of sessions) {
    const record = readSessionRecord(session);
    const clients = fieldOf<ListedSession>(session, "clients");
    if (record === undefined || typeof clients !== "number") return undefined;
    listed.push({ ...record, clients });
  }
  return listed;
}

/** A webhook's answer: `{"success":true}`, with the session's `record` after a status event. */
export function readWebhookAnswer(body: unknown): { session: SessionStatusRecord | null } | undefined {
  if (fieldOf<AnswerOf<"postWahaWebhook">>(body, "success") !== true) return undefined;
  const record = fieldOf<AnswerOf<"postWahaWebhook">>(body, "record");
  if (record === undefined) return { session: null };
  const session = readSessionRecord(record);
  return session === undefined ? undefined : { session };
}

/** `{"record":{"chat_id","client_id","aliases"}}`, what the conversation routes answer. */
export function readConversation(body: unknown): Conversation | undefined {
  const record = fieldOf<AnswerOf<"getConversation">>(body, "record");
  const chatId = fieldOf<ConversationRecord>(record, "chat_id");
  const clientId = fieldOf<ConversationRecord>(record, "client_id");
  const aliases = fieldOf<ConversationRecord>(record, "aliases");
  if (!isString(chatId) || !(clientId === null || isString(clientId))) return undefined;
  if (!Array.isArray(aliases) || !aliases.every(isString)) return undefined;
  return { chatId, clientId, aliases };
}

// The single lookup's status for each message a batch item may answer.
const LOOKUP_STATUS: Record<LookupError, 400 | 404> = {
  "Chat ID is required": 400,
  "Invalid chat ID": 400,
  "Invalid alt": 400,
  "Conversation not found": 404,
  "Client not found": 404,
};

const isLookupError = (value: unknown): value is LookupError =>
  isString(value) && Object.hasOwn(LOOKUP_STATUS, value);

function readBatchItem(item: unknown): SessionFound | LookupFailure | undefined {
  const found = readClientRecord(fieldOf<Extract<BatchItem, { record: unknown }>>(item, "record"));
  if (found !== undefined) return found;
  const error = fieldOf<Extract<BatchItem, { error: unknown }>>(item, "error");
  return isLookupError(error) ? { ok: false, status: LOOKUP_STATUS[error], error } : undefined;
}

/** `{"results":[…]}`, the batch's answer: each item a record or an error. */
export function readBatch(body: unknown): (SessionFound | LookupFailure)[] | undefined {
  const items = fieldOf<AnswerOf<"getClientSessions">>(body, "results");
  if (!Array.isArray(items)) return undefined;
  const results: (SessionFound | LookupFailure)[] = [];
  for (const item of items) {
    const result = readBatchItem(item);
    if (result === undefined) return undefined;
    results.push(result);
  }
  return results;
}

/** `{"success":true}`, the answer of the deletes. */
export function readSuccess(body: unknown): true | undefined {
  return fieldOf<AnswerOf<"deleteClient">>(body, "success") === true ? true : undefined;
}

/** `{"status":"ok"}`, the answer of the health check. */
export function readHealth(body: unknown): true | undefined {
  return fieldOf<AnswerOf<"getHealth">>(body, "status") === "ok" ? true : undefined;
}

const isDetail = (value: unknown): value is ErrorDetail =>
  isString(fieldOf<ErrorDetail>(value, "path")) && isString(fieldOf<ErrorDetail>(value, "message"));

/** An error answer's `details`: each field at fault; `undefined` when absent or of another shape. */
export function readDetails(details: unknown): NonNullable<ErrorBody["details"]> | undefined {
  if (!Array.isArray(details) || !details.every(isDetail)) return undefined;
  return details.map(({ path, message }) => ({ path, message }));
}
