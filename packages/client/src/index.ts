/**
 * A typed client of the chat → client → WhatsApp session lookup service, for bot backends:
 * one method per operation, results that never throw, the service's error messages as literal types.
 *
 * @example
 * import { createClient } from "chat-session-lookup-client";
 *
 * const lookup = createClient({ baseUrl: "https://lookup.example.workers.dev", token: process.env.LOOKUP_TOKEN ?? "" });
 * const result = await lookup.getClientSession("123456789@c.us");
 * if (result.ok) console.log("Session ID:", result.sessionId);
 */
export {
  type ClientFields,
  createClient,
  type EventFilter,
  type EventPageOptions,
  type LookupClient,
  type LookupItem,
  type LookupOptions,
  type LookupReadOptions,
  MAX_BATCH_LOOKUPS,
  type StatusReport,
  type WebhookFields,
} from "./client.js";
export {
  type ClientError,
  ERROR_MESSAGES,
  type ErrorMessage,
  isErrorMessage,
  type LookupError,
} from "./errors.js";
export type {
  ErrorDetail,
  EventType,
  EvolutionConnectionEvent,
  EvolutionEvent,
  OtherEvent,
  ReportedStatus,
  SessionState,
  SessionStatus,
  WahaEvent,
  WahaStatusEvent,
} from "./operations.js";
export type {
  BatchLookup,
  ClientWriteResult,
  Conversation,
  ConversationResult,
  ConversationWriteResult,
  DoneResult,
  Event,
  EventsResult,
  Failure,
  HealthResult,
  ListedSessionRecord,
  LookupFailure,
  SessionFound,
  SessionList,
  SessionLookup,
  SessionStatusRecord,
  SessionStatusWriteResult,
  WebhookResult,
  WebhookSubscription,
  WebhookSubscriptionsResult,
  WebhookSubscriptionWriteResult,
  WriteResult,
  Written,
} from "./results.js";
export type { ClientOptions, FetchFunction, Freshness } from "./transport.js";
