/**
 * What each method answers. No method throws: a result is `{ ok: true, … }` or a
 * {@link Failure}, told apart by `ok`.
 */
import type { ClientError, LookupError } from "./errors.js";
import type { ErrorDetail, EventType, ListedSession, SessionState, SessionStatus } from "./operations.js";

/** Why a call has no answer: the HTTP status, the message, and the service's details if any. */
export interface Failure {
  ok: false;
  /** The HTTP status; 0 when no answer arrived (`Timeout`, `Network error`). */
  status: number;
  /** The service's message, or `Timeout`, `Network error`, `Unexpected response` (see {@link ClientError}). */
  error: ClientError;
  /**
   * What the service said is at fault, when it said it: for `Invalid request body`, each field
   * (`{ path: "lookups", message: "Too big: expected array to have <=100 items" }`).
   */
  details?: ErrorDetail[];
  /** For `Permission denied`: the scope the token lacks (`clients:write`). */
  requiredScope?: string;
}

/** The service is up. */
export type HealthResult = { ok: true } | Failure;

/** A chat's client and the WhatsApp session that serves it; with `includeSession`, whether it can send. */
export interface SessionFound {
  ok: true;
  clientId: string;
  sessionId: string;
  /** The session's status (`WORKING`: it can send) and since when; with `includeSession` only. */
  session?: SessionState;
}

/** The session that serves a chat, or why there is none. */
export type SessionLookup = SessionFound | Failure;

/** One lookup of a batch that found no session: the status and message the single lookup answers. */
export interface LookupFailure {
  ok: false;
  status: 400 | 404;
  error: LookupError;
}

/** Many lookups at once: one result per lookup, in order, or why the batch failed as a whole. */
export type BatchLookup = { ok: true; results: (SessionFound | LookupFailure)[] } | Failure;

/**
 * What a write answers besides its record: D1's bookmark after the write, to read it back with
 * `getClientSession(chatId, { bookmark })`; `null` when the service sent none.
 */
export interface Written {
  ok: true;
  bookmark: string | null;
}

/** A write that answers nothing but success (the deletes). */
export type WriteResult = Written | Failure;

/** A client as written: its id and session. */
export type ClientWriteResult = (Written & { clientId: string; sessionId: string }) | Failure;

/** A conversation: its own chat id, its client (`null`: none yet), and its other ids. */
export interface Conversation {
  chatId: string;
  clientId: string | null;
  aliases: string[];
}

/** A conversation, or why there is none. */
export type ConversationResult = ({ ok: true } & Conversation) | Failure;

/** A conversation as a write left it, with the write's bookmark. */
export type ConversationWriteResult = (Written & Conversation) | Failure;

/** A recorded change: who (`actor`) changed what, when. `before` and `after` are as the service sent them. */
export interface Event {
  id: string;
  /** ISO 8601. */
  at: string;
  type: EventType;
  actor: string;
  chatId?: string;
  clientId?: string;
  sessionId?: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** A page of the history, newest first, and the cursor of the next (older) page (`null`: none). */
export type EventsResult = { ok: true; events: Event[]; next: string | null } | Failure;

/** A webhook subscription. */
export interface WebhookSubscription {
  name: string;
  url: string;
  events: string[];
}

/** A subscription as written; `secret` (`whsec_…`) on its creation only, `null` afterwards. */
export type WebhookSubscriptionWriteResult =
  | ({ ok: true; secret: string | null } & WebhookSubscription)
  | Failure;

/** Every subscription; `disabled` when its receiver answered 410 Gone. */
export type WebhookSubscriptionsResult =
  | { ok: true; webhooks: (WebhookSubscription & { disabled: boolean })[] }
  | Failure;

/** A call that answers nothing but success. */
export type DoneResult = { ok: true } | Failure;
/** A session's status as the service keeps it. */
export interface SessionStatusRecord {
  sessionId: string;
  status: SessionStatus;
  /** When the session entered its status (ISO 8601); `null` for `UNKNOWN`. */
  since: string | null;
}

/** A status report as the service took it: the session's status after it, with the write's bookmark. */
export type SessionStatusWriteResult = (Written & SessionStatusRecord) | Failure;

/** A session as `listSessions` answers it: its status and how many clients it serves. */
export interface ListedSessionRecord extends SessionStatusRecord {
  clients: ListedSession["clients"];
}

/** Every session the token may see, or why not. */
export type SessionList = { ok: true; sessions: ListedSessionRecord[] } | Failure;

/**
 * A gateway's event as the service took it: the session's status after a status event, `null`
 * for an event that changes nothing.
 */
export type WebhookResult = { ok: true; session: SessionStatusRecord | null } | Failure;
