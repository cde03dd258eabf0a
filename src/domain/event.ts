/**
 * What the service records of every change (migrations/0006_events_recorded.sql writes them):
 * the event types, the patterns a webhook subscription names them by, and an event as the API
 * and the webhooks show it.
 */

/** Every event type, in the order the documentation lists them. */
export const EVENT_TYPES = [
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
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const PREFIXES = new Set(EVENT_TYPES.map((type) => type.slice(0, type.indexOf("."))));

/**
 * Whether `pattern` is one a subscription may name: an event type, `prefix.*` for a prefix of
 * one (`conversation.*`), or `*`.
 */
export function isEventPattern(pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return PREFIXES.has(pattern.slice(0, -2));
  return (EVENT_TYPES as readonly string[]).includes(pattern);
}

/** Whether an event of `type` is one `pattern` names (the SQL of the outbox trigger does the same). */
export function patternMatches(pattern: string, type: string): boolean {
  if (pattern === "*" || pattern === type) return true;
  return pattern.endsWith(".*") && type.startsWith(pattern.slice(0, -1));
}

/** An event as `GET /api/events` and the webhooks show it; fields without a value are left out. */
export interface EventRecord {
  /** Unique, never reused: receivers de-duplicate deliveries by it (`webhook-id`). */
  id: string;
  /** When it was recorded, ISO 8601. */
  at: string;
  type: EventType;
  /** The name of the token that made the change, `import`, or `database` (changed outside the service). */
  actor: string;
  chat_id?: string;
  client_id?: string;
  session_id?: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** An event as the database stores it. */
export interface StoredEvent {
  id: string;
  at: number;
  type: string;
  actor: string;
  chat_id: string | null;
  client_id: string | null;
  session_id: string | null;
  before: string | null;
  after: string | null;
}

/** The event a stored row shows. */
export function eventRecord(row: StoredEvent): EventRecord {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    type: row.type as EventType,
    actor: row.actor,
    ...(row.chat_id !== null && { chat_id: row.chat_id }),
    ...(row.client_id !== null && { client_id: row.client_id }),
    ...(row.session_id !== null && { session_id: row.session_id }),
    ...(row.before !== null && { before: JSON.parse(row.before) as Record<string, unknown> }),
    ...(row.after !== null && { after: JSON.parse(row.after) as Record<string, unknown> }),
  };
}
