/**
 * The service's bodies, checked before they become results: a body of another shape (a proxy,
 * a wrong `baseUrl`) is `undefined` here, never a result with missing fields. Field names are
 * those of the wire types (operations.ts), so a field the service renames fails to compile.
 */

import type { LookupError } from "./errors.js";
import type {
  AnswerOf,
  BatchItem,
  ClientRecord,
  ConversationRecord,
  ErrorBody,
  ErrorDetail,
  EventRecord,
  EventType,
  ListedSession,
  SessionRecord,
  SessionState,
  SessionStatus,
  WebhookRecord,
} from "./operations.js";
import type {
  Conversation,
  Event,
  ListedSessionRecord,
  LookupFailure,
  SessionFound,
  SessionStatusRecord,
  WebhookSubscription,
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

const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>([
  "client.upserted",
  "client.deleted",
  "conversation.created",
  "conversation.linked",
  "conversation.unlinked",
  "conversation.deleted",
  "alias.added",
  "alias.removed",
  "conversations.merged",
  "session.status",
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readEvent(value: unknown): Event | undefined {
  const id = fieldOf<EventRecord>(value, "id");
  const at = fieldOf<EventRecord>(value, "at");
  const type = fieldOf<EventRecord>(value, "type");
  const actor = fieldOf<EventRecord>(value, "actor");
  if (!isString(id) || !isString(at) || !isString(type) || !EVENT_TYPES.has(type) || !isString(actor)) {
    return undefined;
  }
  const event: Event = { id, at, type: type as EventType, actor };
  const optional = {
    chatId: fieldOf<EventRecord>(value, "chat_id"),
    clientId: fieldOf<EventRecord>(value, "client_id"),
    sessionId: fieldOf<EventRecord>(value, "session_id"),
  };
  for (const [name, field] of Object.entries(optional)) {
    if (field === undefined) continue;
    if (!isString(field)) return undefined;
    event[name as keyof typeof optional] = field;
  }
  for (const name of ["before", "after"] as const) {
    const change = fieldOf<EventRecord>(value, name);
    if (change === undefined) continue;
    if (!isObject(change)) return undefined;
    event[name] = change;
  }
  return event;
}

/** `{"events":[…],"next"}`, a page of the history. */
export function readEvents(body: unknown): { events: Event[]; next: string | null } | undefined {
  const items = fieldOf<AnswerOf<"listEvents">>(body, "events");
  const next = fieldOf<AnswerOf<"listEvents">>(body, "next");
  if (!Array.isArray(items) || !(next === null || isString(next))) return undefined;
  const events: Event[] = [];
  for (const item of items) {
    const event = readEvent(item);
    if (event === undefined) return undefined;
    events.push(event);
  }
  return { events, next };
}

function readWebhook(value: unknown): WebhookSubscription | undefined {
  const name = fieldOf<WebhookRecord>(value, "name");
  const url = fieldOf<WebhookRecord>(value, "url");
  const events = fieldOf<WebhookRecord>(value, "events");
  if (!isString(name) || !isString(url) || !Array.isArray(events) || !events.every(isString))
    return undefined;
  return { name, url, events };
}

/** `{"record":{"name","url","events"},"secret"?}`, what `putWebhook` answers. */
export function readWebhookWritten(
  body: unknown,
): (WebhookSubscription & { secret: string | null }) | undefined {
  const record = readWebhook(fieldOf<AnswerOf<"putWebhook">>(body, "record"));
  const secret = fieldOf<AnswerOf<"putWebhook">>(body, "secret");
  if (record === undefined || !(secret === undefined || isString(secret))) return undefined;
  return { ...record, secret: secret ?? null };
}

/** `{"webhooks":[…]}`, every subscription. */
export function readWebhooks(body: unknown): (WebhookSubscription & { disabled: boolean })[] | undefined {
  const items = fieldOf<AnswerOf<"listWebhooks">>(body, "webhooks");
  if (!Array.isArray(items)) return undefined;
  const webhooks: (WebhookSubscription & { disabled: boolean })[] = [];
  for (const item of items) {
    const webhook = readWebhook(item);
    const disabled = fieldOf<AnswerOf<"listWebhooks">["webhooks"][number]>(item, "disabled");
    if (webhook === undefined || typeof disabled !== "boolean") return undefined;
    webhooks.push({ ...webhook, disabled });
  }
  return webhooks;
}
