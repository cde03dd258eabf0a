/**
 * The database schema, the single source of the SQL in `migrations/` (`npm run db:generate`).
 */
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`);

// Every table is marked pure: the Worker's build leaves out those only the migrations and raw SQL
// use (building a table object is a cost at every cold start).

/** A customer of the bot backend, served by one WhatsApp session (connected number). */
export const clients = /* @__PURE__ */ sqliteTable(
  "clients",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id").notNull(),
    // Private fields: stored for the bot backend, never returned by the lookup.
    name: text("name"),
    phone: text("phone"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`),
  },
  (table) => [index("clients_session_id_idx").on(table.sessionId)],
);

/** A WhatsApp chat, linked to the client it belongs to once the bot backend knows it. */
export const conversation = /* @__PURE__ */ sqliteTable(
  "conversation",
  {
    id: text("id").primaryKey(),
    // Always the canonical form (see src/domain/chat-id.ts); unique, so one chat is one row.
    chatId: text("chat_id").notNull().unique("conversation_chat_id_unique"),
    clientId: text("client_id").references(() => clients.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (table) => [index("conversation_client_id_idx").on(table.clientId)],
);

/**
 * Every id of every conversation: its own `chat_id` (registered by a trigger when the row is
 * inserted) and its aliases, all canonical. The primary key makes each id belong to one
 * conversation at most; the lookup resolves any of them.
 */
export const chatIds = /* @__PURE__ */ sqliteTable(
  "chat_ids",
  {
    chatId: text("chat_id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversation.id, { onDelete: "cascade" }),
    // The order ids were added in, greater is later ({@link NEXT_ADDED_SEQ}); kept when an id
    // moves to another conversation. Removing a conversation's chat id picks the next one by it.
    addedSeq: integer("added_seq").notNull().default(0),
  },
  (table) => [
    index("chat_ids_conversation_id_idx").on(table.conversationId),
    // Makes finding the greatest sequence number a single index step.
    index("chat_ids_added_seq_idx").on(table.addedSeq),
  ],
);

/**
 * The sequence number of the next id added to chat_ids, as SQL: one more than the greatest.
 * Every insert into chat_ids sets `added_seq` with it (the trigger that registers a
 * conversation's chat id too: migrations/0007_chat_ids_ordered.sql).
 */
export const NEXT_ADDED_SEQ = "(SELECT coalesce(max(added_seq), 0) + 1 FROM chat_ids)";

/**
 * The chats whose lookup answer a write changed, recorded by triggers (migrations/0004_chat_changes_recorded.sql) as the
 * write runs and read back and emptied in the same atomic batch (src/cache/lookups/lookup-cache.ts), so
 * that what the caches must refresh comes from the data itself, never from a list a caller kept.
 * Empty between writes.
 */
export const chatChanges = /* @__PURE__ */ sqliteTable("chat_changes", {
  chatId: text("chat_id").notNull(),
});

/**
 * What a WhatsApp session reports of itself (WAHA's statuses; Evolution API's states mapped to
 * them): able to send (`WORKING`), starting, waiting for a QR code scan, failed (logged out,
 * banned: it will not come back by itself), stopped. A session never reported has no row, and
 * the API calls it `UNKNOWN`.
 */
export const SESSION_STATUSES = ["WORKING", "STARTING", "SCAN_QR_CODE", "FAILED", "STOPPED"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/**
 * The last status each WhatsApp session reported. One row per session, written only by
 * `recordSessionStatus` (src/sessions/sessions.repository.ts), so that a trigger sees every change.
 */
export const sessions = /* @__PURE__ */ sqliteTable(
  "sessions",
  {
    // As `clients.session_id`: a client's session is a row here once it has reported.
    id: text("id").primaryKey(),
    status: text("status", { enum: SESSION_STATUSES }).notNull(),
    // When the session entered `status`: a report of the status it already has keeps it.
    since: integer("since", { mode: "timestamp_ms" }).notNull(),
    // The time of the newest report applied: an older one changes nothing.
    reportedAt: integer("reported_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`),
  },
  (table) => [
    check(
      "sessions_status_check",
      sql.raw(`${table.status.name} IN (${SESSION_STATUSES.map((status) => `'${status}'`).join(", ")})`),
    ),
  ],
);

/**
 * The scopes a token may carry: lookups; every write and managing read; adding a person's ids
 * only (a bot's token); session statuses. `clients:write` includes `aliases:write`.
 */
export const TOKEN_SCOPES = ["clients:read", "clients:write", "aliases:write", "sessions:write"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * Every change of the data, recorded by triggers (the events migration) in the same statement as
 * the change itself, so that a change and its record exist together or not at all. `seq` orders
 * them (and is the cursor of `GET /api/events`); `id` names an event to its receivers
 * (`webhook-id`) and is never reused. `conversation_id` and `merged_from` stay inside: they find
 * a conversation's history across renames and merges.
 */
export const events = /* @__PURE__ */ sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey(),
    id: text("id").notNull(),
    // Epoch ms.
    at: integer("at").notNull(),
    type: text("type").notNull(),
    actor: text("actor").notNull(),
    chatId: text("chat_id"),
    clientId: text("client_id"),
    sessionId: text("session_id"),
    conversationId: text("conversation_id"),
    // `conversations.merged` only: the conversation that was merged into `conversation_id`.
    mergedFrom: text("merged_from"),
    // JSON objects, or null.
    before: text("before"),
    after: text("after"),
  },
  // Each ends with the rowid (`seq`), which serves the newest-first order of every filter. Every
  // index entry is a row written: a chat's history goes through its conversation, and its chat
  // id is indexed only where the conversation is gone (its history by its former chat id).
  (table) => [
    index("events_deleted_chat_id_idx").on(table.chatId).where(sql.raw("type = 'conversation.deleted'")),
    index("events_conversation_id_idx")
      .on(table.conversationId)
      .where(sql.raw("conversation_id IS NOT NULL")),
    index("events_client_id_idx").on(table.clientId).where(sql.raw("client_id IS NOT NULL")),
    index("events_session_id_idx").on(table.sessionId).where(sql.raw("session_id IS NOT NULL")),
  ],
);

/**
 * Who is writing, for the triggers that record events: one row, inserted by the first statement
 * of a write's batch and deleted by its last (src/db/client.ts), so a change made by anything
 * else (a statement typed into the database) is recorded with the actor `database`. `after_seq`
 * is the last event before the batch: the batch's own are those after it.
 */
export const eventContext = /* @__PURE__ */ sqliteTable("event_context", {
  actor: text("actor").notNull(),
  afterSeq: integer("after_seq").notNull(),
});

/**
 * The events some webhook subscription wants that are not yet on the delivery queue: filled by a
 * trigger as events are recorded, emptied once they are sent to the queue (right after the write,
 * or by the sweep that catches what a crash left).
 */
export const eventOutbox = /* @__PURE__ */ sqliteTable("event_outbox", {
  eventSeq: integer("event_seq")
    .primaryKey()
    .references(() => events.seq, { onDelete: "cascade" }),
});

/**
 * Webhook subscriptions: where to POST which events, signed with `secret` (`whsec_…`, kept to
 * sign, shown once). `disabled_at` is set when the receiver answered 410 Gone.
 */
export const webhooks = /* @__PURE__ */ sqliteTable("webhooks", {
  name: text("name").primaryKey(),
  url: text("url").notNull(),
  // Event types and patterns (`conversation.*`, `*`), a JSON array.
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  secret: text("secret").notNull(),
  createdAt: createdAt(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`),
  disabledAt: integer("disabled_at", { mode: "timestamp_ms" }),
});

/** API tokens, stored only as SHA-256 hashes of the token. */
export const apiTokens = /* @__PURE__ */ sqliteTable("api_tokens", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique("api_tokens_name_unique"),
  tokenHash: text("token_hash").notNull().unique("api_tokens_token_hash_unique"),
  scopes: text("scopes", { mode: "json" }).$type<TokenScope[]>().notNull(),
  // null: every session; otherwise the only sessions whose clients this token may see.
  sessions: text("sessions", { mode: "json" }).$type<string[]>(),
  createdAt: createdAt(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
});
