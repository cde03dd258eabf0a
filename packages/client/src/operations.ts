/**
 * The service's operations as they travel: for each `operationId` of its OpenAPI document
 * (`/openapi.json`), its method and path, and the JSON of its parameters, body and answer.
 * The repository's test/node/client-contract.node.test.ts fails when these differ from the
 * document, or when an operation of the document has no entry here or no client method.
 *
 * A new operation: its entry in `Operations` and `ROUTES` (and a path parameter's 400s in
 * transport.ts), a method of the same name in client.ts that sends it, and its row in the
 * README's table of methods.
 */
import type { ErrorMessage, LookupError } from "./errors.js";

/** A WhatsApp session's status: a reported one, or `UNKNOWN` for a session that never reported. */
export type SessionStatus = "WORKING" | "STARTING" | "SCAN_QR_CODE" | "FAILED" | "STOPPED" | "UNKNOWN";

/** A status a session can report (`UNKNOWN` cannot be). */
export type ReportedStatus = Exclude<SessionStatus, "UNKNOWN">;

/** What the service knows of a session: its status, and since when (ISO 8601; `null` for `UNKNOWN`). */
export interface SessionState {
  status: SessionStatus;
  since: string | null;
}

/** A client as the lookups and `putClient` answer it; `session` with `include=session` only. */
export interface ClientRecord {
  id: string;
  session_id: string;
  session?: SessionState;
}

/** A session's status as its routes answer it. */
export interface SessionRecord extends SessionState {
  id: string;
}

/** A session as `listSessions` answers it. */
export interface ListedSession extends SessionRecord {
  clients: number;
}

/** What the webhooks answer: the session's status after a status event; nothing for another event. */
interface WebhookAnswer {
  success: true;
  record?: SessionRecord;
}

/** Any other event of a gateway: the service reads its name only, and ignores it. */
export interface OtherEvent {
  event: string;
  [key: string]: unknown;
}

/** WAHA's `session.status` event, as WAHA posts it. */
export interface WahaStatusEvent {
  id?: string;
  /** Epoch ms. */
  timestamp: number;
  session: string;
  event: "session.status";
  payload: {
    status: string;
    statuses?: { status: string; timestamp: number; [key: string]: unknown }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** An event as WAHA posts it: `session.status` is recorded, any other is ignored. */
export type WahaEvent = WahaStatusEvent | OtherEvent;

/** Evolution API's `connection.update` event, as Evolution posts it. */
export interface EvolutionConnectionEvent {
  event: string;
  instance: string;
  data: { state: string; statusReason?: number | string; [key: string]: unknown };
  date_time?: string;
  [key: string]: unknown;
}

/** An event as Evolution API posts it: `connection.update` is recorded, any other is ignored. */
export type EvolutionEvent = EvolutionConnectionEvent | OtherEvent;

/** A conversation as its routes answer it. */
export interface ConversationRecord {
  chat_id: string;
  client_id: string | null;
  aliases: string[];
}

/** The type of a recorded change. */
export type EventType =
  | "client.upserted"
  | "client.deleted"
  | "conversation.created"
  | "conversation.linked"
  | "conversation.unlinked"
  | "conversation.deleted"
  | "alias.added"
  | "alias.removed"
  | "conversations.merged"
  | "session.status";

/** A recorded change, as `listEvents` answers it and webhooks deliver it. */
export interface EventRecord {
  id: string;
  at: string;
  type: EventType;
  actor: string;
  chat_id?: string;
  client_id?: string;
  session_id?: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** A webhook subscription as its writes answer it. */
export interface WebhookRecord {
  name: string;
  url: string;
  events: string[];
}

/** One field at fault in a body the service refused. */
export interface ErrorDetail {
  /** Where, in dots (`lookups.0.chatId`); empty for the body as a whole. */
  path: string;
  message: string;
}

/** The body of every error answer. */
export interface ErrorBody {
  error: ErrorMessage;
  /** For `Permission denied`: the scope the call needed. */
  required_scope?: string;
  /** For `Invalid request body` and `Invalid query`: each field at fault. */
  details?: ErrorDetail[];
}

/** The headers that choose how fresh a lookup's answer is (see `Freshness`). */
export interface FreshnessHeaders {
  "Cache-Control"?: string;
  "x-d1-bookmark"?: string;
}

interface Success {
  success: true;
}

/** One result of a batch: what the single lookup answers for its item. */
export type BatchItem = { record: ClientRecord } | { error: LookupError };

/**
 * Each operation by its `operationId`, with the parts it has: `path` (path parameters), `query`,
 * `headers` (the request headers it reads), `body` (the JSON request body) and `answer` (the
 * JSON of its 200). Every error answer is an {@link ErrorBody}.
 */
export interface Operations {
  getHealth: {
    answer: { status: "ok" };
  };
  getClientSession: {
    query: { chatId: string; alt?: string; include?: string };
    headers: FreshnessHeaders;
    answer: Success & { record: ClientRecord };
  };
  getClientSessions: {
    headers: FreshnessHeaders;
    body: { lookups: { chatId?: string | null; alt?: string | null }[]; include?: "session"[] };
    answer: Success & { results: BatchItem[] };
  };
  putClient: {
    path: { id: string };
    body: { session_id: string; name?: string | null; phone?: string | null };
    answer: Success & { record: ClientRecord };
  };
  deleteClient: {
    path: { id: string };
    answer: Success;
  };
  getConversation: {
    path: { chatId: string };
    answer: Success & { record: ConversationRecord };
  };
  putConversation: {
    path: { chatId: string };
    body: { client_id: string | null };
    answer: Success & { record: ConversationRecord };
  };
  deleteConversation: {
    path: { chatId: string };
    answer: Success;
  };
  addAlias: {
    path: { chatId: string; alias: string };
    answer: Success & { record: ConversationRecord };
  };
  removeAlias: {
    path: { chatId: string; alias: string };
    answer: Success;
  };
  listEvents: {
    query: { chatId?: string; clientId?: string; sessionId?: string; limit?: number; before?: string };
    answer: Success & { events: EventRecord[]; next: string | null };
  };
  listWebhooks: {
    answer: Success & { webhooks: (WebhookRecord & { disabled: boolean })[] };
  };
  putWebhook: {
    path: { name: string };
    body: { url: string; events: string[] };
    answer: Success & { record: WebhookRecord; secret?: string };
  };
  deleteWebhook: {
    path: { name: string };
    answer: Success;
  };
  putSessionStatus: {
    path: { sessionId: string };
    body: { status: ReportedStatus; at?: string };
    answer: Success & { record: SessionRecord };
  };
  listSessions: {
    answer: Success & { sessions: ListedSession[] };
  };
  postWahaWebhook: {
    body: WahaEvent;
    answer: WebhookAnswer;
  };
  postEvolutionWebhook: {
    body: EvolutionEvent;
    answer: WebhookAnswer;
  };
  postEvolutionWebhookByEvent: {
    path: { event: string };
    body: EvolutionEvent;
    answer: WebhookAnswer;
  };
}

/** The name of an operation: its `operationId`. */
export type OperationId = keyof Operations;

/** The JSON of an operation's 200. */
export type AnswerOf<K extends OperationId> = Operations[K]["answer"];

/** The request body of an operation. */
export type BodyOf<K extends OperationId> = Operations[K] extends { body: infer Body } ? Body : never;

/** The name of a path parameter, in any operation's path. */
export type PathParameter = {
  [K in OperationId]: Operations[K] extends { path: infer Path } ? keyof Path : never;
}[OperationId];

/** Each operation's method and path, `{name}` standing for a path parameter. */
export const ROUTES: {
  readonly [K in OperationId]: { method: "GET" | "POST" | "PUT" | "DELETE"; path: string };
} = {
  getHealth: { method: "GET", path: "/health" },
  getClientSession: { method: "GET", path: "/api/clients/view" },
  getClientSessions: { method: "POST", path: "/api/clients/view/batch" },
  putClient: { method: "PUT", path: "/api/clients/{id}" },
  deleteClient: { method: "DELETE", path: "/api/clients/{id}" },
  getConversation: { method: "GET", path: "/api/conversations/{chatId}" },
  putConversation: { method: "PUT", path: "/api/conversations/{chatId}" },
  deleteConversation: { method: "DELETE", path: "/api/conversations/{chatId}" },
  addAlias: { method: "PUT", path: "/api/conversations/{chatId}/aliases/{alias}" },
  removeAlias: { method: "DELETE", path: "/api/conversations/{chatId}/aliases/{alias}" },
  listEvents: { method: "GET", path: "/api/events" },
  listWebhooks: { method: "GET", path: "/api/webhooks" },
  putWebhook: { method: "PUT", path: "/api/webhooks/{name}" },
  deleteWebhook: { method: "DELETE", path: "/api/webhooks/{name}" },
  putSessionStatus: { method: "PUT", path: "/api/sessions/{sessionId}/status" },
  listSessions: { method: "GET", path: "/api/sessions" },
  postWahaWebhook: { method: "POST", path: "/webhooks/waha" },
  postEvolutionWebhook: { method: "POST", path: "/webhooks/evolution" },
  postEvolutionWebhookByEvent: { method: "POST", path: "/webhooks/evolution/{event}" },
};
