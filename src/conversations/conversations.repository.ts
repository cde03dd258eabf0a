import { and, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Database } from "../db/client";
import { isForeignKeyViolation } from "../db/d1-errors";
import { chatIds, clients, conversation, NEXT_ADDED_SEQ } from "../db/schema";
import { type ChatLookup, CLIENT_NOT_FOUND, found } from "../domain/chat-lookup";

/** A conversation with every id it has and what its lookup answers. */
export interface StoredConversation {
  id: string;
  /** Its own chat id (canonical). */
  chatId: string;
  clientId: string | null;
  /** Every id: its chat id and its aliases, sorted. */
  ids: string[];
  /** What a lookup of any of its ids answers. */
  lookup: ChatLookup;
}

const asked = alias(chatIds, "asked");

/**
 * The rows of the conversation that has `id` among its ids: one row per id it has. Columns
 * get names of their own: D1 answers a batch's rows as objects, where two `chat_id`s collide.
 */
function conversationOf(db: Database, id: string) {
  return db
    .select({
      id: sql<string>`${conversation.id}`.as("conversation_id"),
      chatId: sql<string>`${conversation.chatId}`.as("own_chat_id"),
      clientId: sql<string | null>`${conversation.clientId}`.as("client_id"),
      sessionId: sql<string | null>`${clients.sessionId}`.as("session_id"),
      each: sql<string>`${chatIds.chatId}`.as("each_chat_id"),
    })
    .from(asked)
    .innerJoin(conversation, eq(conversation.id, asked.conversationId))
    .innerJoin(chatIds, eq(chatIds.conversationId, conversation.id))
    .leftJoin(clients, eq(clients.id, conversation.clientId))
    .where(eq(asked.chatId, id));
}

type ConversationRows = Awaited<ReturnType<typeof conversationOf>>;

function fromRows(rows: ConversationRows): StoredConversation | null {
  const first = rows[0];
  if (first === undefined) return null;
  const { id, chatId, clientId, sessionId } = first;
  return {
    id,
    chatId,
    clientId,
    ids: rows.map((row) => row.each).sort(),
    lookup:
      clientId !== null && sessionId !== null
        ? found({ id: clientId, session_id: sessionId })
        : CLIENT_NOT_FOUND,
  };
}

/** The conversations that `ids` (canonical, chat ids or aliases) belong to, in one round trip. */
export async function findConversations(db: Database, ids: readonly [string, ...string[]]) {
  const [first, ...rest] = ids.map((id) => conversationOf(db, id));
  const results = await db.batch([first as ReturnType<typeof conversationOf>, ...rest]);
  return results.map(fromRows);
}

/**
 * Links the conversation that has `id` among its ids to `clientId` (or unlinks it with `null`),
 * creating it under `id` when no conversation has it, and reads it back, in one atomic batch.
 *
 * @returns `null` when `clientId` names no client (nothing is written).
 */
export async function upsertConversation(
  db: Database,
  id: string,
  clientId: string | null,
): Promise<StoredConversation | null> {
  const owner = sql`(select ${chatIds.conversationId} from ${chatIds} where ${chatIds.chatId} = ${id})`;
  try {
    const [, , rows] = await db.batch([
      db.insert(conversation).select(
        sql`select ${crypto.randomUUID()}, ${id}, ${clientId}, (unixepoch() * 1000)
            where not exists (select 1 from ${chatIds} where ${chatIds.chatId} = ${id})`,
      ),
      db.update(conversation).set({ clientId }).where(eq(conversation.id, owner)),
      conversationOf(db, id),
    ]);
    return fromRows(rows);
  } catch (error) {
    // The foreign key is the existence check: one round trip instead of a read before the write.
    if (isForeignKeyViolation(error)) return null;
    throw error;
  }
}

/**
 * Deletes the conversation whose own chat id is `chatId`, in one atomic batch. A conversation
 * is deleted by its chat id only: an alias names a conversation the caller may not mean to lose.
 *
 * @returns `deleted`, or `alias` when `chatId` is an id but not the chat id of a conversation
 *   (nothing deleted), or `unknown`.
 */
export async function deleteConversation(
  db: Database,
  chatId: string,
): Promise<"deleted" | "alias" | "unknown"> {
  const [known, deleted] = await db.batch([
    db.select({ id: chatIds.conversationId }).from(chatIds).where(eq(chatIds.chatId, chatId)),
    db.delete(conversation).where(eq(conversation.chatId, chatId)).returning({ id: conversation.id }),
  ]);
  if (deleted.length > 0) return "deleted";
  return known.length > 0 ? "alias" : "unknown";
}

/**
 * Adds `alias` to the conversation `target`, unless it has meanwhile become another's, and reads
 * both back, in one atomic batch.
 */
export async function insertAlias(db: Database, target: StoredConversation, alias: string) {
  const [, targetRows, ownerRows] = await db.batch([
    db
      .insert(chatIds)
      .select(
        sql`select ${alias}, ${target.id}, ${sql.raw(NEXT_ADDED_SEQ)}
          where exists (select 1 from ${conversation} where ${conversation.id} = ${target.id})`,
      )
      .onConflictDoNothing(),
    conversationOf(db, target.chatId),
    conversationOf(db, alias),
  ]);
  return { target: fromRows(targetRows), owner: fromRows(ownerRows) };
}

/**
 * Moves every id of `source` to `target`, which keeps its client or takes the source's, then
 * removes `source`, and reads both back, in one atomic batch. Each statement checks that what
 * the merge was decided on still holds (the clients, and `alias` still the source's), so that a
 * write in between leaves both conversations as they were.
 */
export async function mergeConversations(
  db: Database,
  target: StoredConversation,
  source: StoredConversation,
  alias: string,
) {
  const merged = target.clientId ?? source.clientId;
  const unchanged = (row: StoredConversation, clientId: string | null) =>
    sql`exists (select 1 from ${conversation} where ${conversation.id} = ${row.id} and ${conversation.clientId} is ${clientId})`;
  const aliasStillSources = sql`exists (select 1 from ${chatIds} where ${chatIds.chatId} = ${alias} and ${chatIds.conversationId} = ${source.id})`;
  const [, , , targetRows, ownerRows] = await db.batch([
    db
      .update(conversation)
      .set({ clientId: merged })
      .where(
        and(
          eq(conversation.id, target.id),
          unchanged(target, target.clientId),
          unchanged(source, source.clientId),
          aliasStillSources,
        ),
      ),
    db
      .update(chatIds)
      .set({ conversationId: target.id })
      .where(
        and(
          eq(chatIds.conversationId, source.id),
          unchanged(target, merged),
          unchanged(source, source.clientId),
          aliasStillSources,
        ),
      ),
    db
      .delete(conversation)
      .where(
        and(
          eq(conversation.id, source.id),
          sql`not exists (select 1 from ${chatIds} where ${chatIds.conversationId} = ${source.id})`,
        ),
      ),
    conversationOf(db, target.chatId),
    conversationOf(db, alias),
  ]);
  return { target: fromRows(targetRows), owner: fromRows(ownerRows) };
}

// The order in which a conversation picks its chat id among the ids it has left: a phone-number
// id, else a LID, else a business-scoped user id (src/domain/chat-id.ts); within a kind, the one
// added first.
const CHAT_ID_ORDER = sql.raw(
  "CASE WHEN chat_ids.chat_id LIKE '%@c.us' THEN 0 WHEN chat_ids.chat_id LIKE '%@lid' THEN 1 ELSE 2 END, chat_ids.added_seq, chat_ids.chat_id",
);

/**
 * Removes `removed` from the ids of the conversation that has `id` among them, unless it is the
 * last one, in one atomic batch. When `removed` was the conversation's own chat id, the
 * conversation takes the first of its other ids in {@link CHAT_ID_ORDER}; its other ids and
 * client stay as they were.
 *
 * @returns `conversation`: whether `id` names a conversation; `had`: whether `removed` was one of
 *   its ids; `removed`: whether it is gone (not when it was the last).
 */
export async function deleteId(db: Database, id: string, removed: string) {
  const owner = sql`(select ${chatIds.conversationId} from ${chatIds} where ${chatIds.chatId} = ${id})`;
  const [ids, deleted] = await db.batch([
    db.select({ chatId: chatIds.chatId }).from(chatIds).where(eq(chatIds.conversationId, owner)),
    db
      .delete(chatIds)
      .where(
        and(
          eq(chatIds.chatId, removed),
          eq(chatIds.conversationId, owner),
          sql`exists (select 1 from chat_ids as others where others.conversation_id = chat_ids.conversation_id and others.chat_id <> ${removed})`,
        ),
      )
      .returning({ chatId: chatIds.chatId }),
    // Only the conversation whose chat id was just removed: its chat id is no id any more.
    db
      .update(conversation)
      .set({
        chatId: sql`(select chat_ids.chat_id from chat_ids where chat_ids.conversation_id = conversation.id order by ${CHAT_ID_ORDER} limit 1)`,
      })
      .where(
        and(
          eq(conversation.chatId, removed),
          sql`not exists (select 1 from ${chatIds} where ${chatIds.chatId} = ${removed})`,
        ),
      ),
  ]);
  return {
    conversation: ids.length > 0,
    had: ids.some((row) => row.chatId === removed),
    removed: deleted.length > 0,
  };
}
