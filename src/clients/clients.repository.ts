import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { clients, conversation } from "../db/schema";
import type { ChatLookup, ClientSession } from "./chat-lookup";

/**
 * Resolves a canonical chat id to its client and session in one query: a `LEFT JOIN` keeps the
 * conversation row when its client is missing, which tells the two "not found" cases apart.
 */
export async function findSessionByChatId(db: Database, chatId: string): Promise<ChatLookup> {
  const row = await db
    .select({ clientId: clients.id, sessionId: clients.sessionId })
    .from(conversation)
    .leftJoin(clients, eq(conversation.clientId, clients.id))
    .where(eq(conversation.chatId, chatId))
    .get();
  if (row === undefined) return { status: "conversation-not-found" };
  if (row.clientId === null || row.sessionId === null) return { status: "client-not-found" };
  return { status: "found", record: { id: row.clientId, session_id: row.sessionId } };
}

// D1 binds at most 100 parameters per query.
const CHATS_PER_QUERY = 90;

/**
 * What the lookups of several canonical chat ids answer, read in as few queries as D1 allows.
 * A chat with no conversation is absent from the map.
 */
export async function findSessionsByChatIds(
  db: Database,
  chatIds: readonly string[],
): Promise<Map<string, ChatLookup>> {
  const answers = new Map<string, ChatLookup>();
  for (let start = 0; start < chatIds.length; start += CHATS_PER_QUERY) {
    const rows = await db
      .select({ chatId: conversation.chatId, clientId: clients.id, sessionId: clients.sessionId })
      .from(conversation)
      .leftJoin(clients, eq(conversation.clientId, clients.id))
      .where(inArray(conversation.chatId, chatIds.slice(start, start + CHATS_PER_QUERY)));
    for (const row of rows) {
      answers.set(
        row.chatId,
        row.clientId === null || row.sessionId === null
          ? { status: "client-not-found" }
          : { status: "found", record: { id: row.clientId, session_id: row.sessionId } },
      );
    }
  }
  return answers;
}

/** The fields a write may set on a client; private fields left `undefined` keep their value. */
export interface ClientFields {
  sessionId: string;
  name?: string | null | undefined;
  phone?: string | null | undefined;
}

/**
 * Creates or updates a client, and lists the chats of its conversations, in one atomic batch:
 * one round trip, and the list is exactly the set of chats whose answer the write changed.
 */
export async function upsertClient(
  db: Database,
  id: string,
  fields: ClientFields,
): Promise<{ record: ClientSession; chatIds: string[] }> {
  const privateFields = {
    ...(fields.name !== undefined && { name: fields.name }),
    ...(fields.phone !== undefined && { phone: fields.phone }),
  };
  const [upserted, chats] = await db.batch([
    db
      .insert(clients)
      .values({ id, sessionId: fields.sessionId, ...privateFields })
      .onConflictDoUpdate({
        target: clients.id,
        set: { sessionId: fields.sessionId, ...privateFields, updatedAt: sql`(unixepoch() * 1000)` },
      })
      .returning({ id: clients.id, sessionId: clients.sessionId }),
    db.select({ chatId: conversation.chatId }).from(conversation).where(eq(conversation.clientId, id)),
  ]);
  const row = upserted[0];
  if (row === undefined) throw new Error("upsert returned no row");
  return { record: { id: row.id, session_id: row.sessionId }, chatIds: chats.map((chat) => chat.chatId) };
}

/**
 * Deletes a client; its conversations stay, unlinked (`ON DELETE SET NULL`). Lists their chats
 * in the same atomic batch.
 *
 * @returns `null` when no client has this id.
 */
export async function deleteClient(db: Database, id: string): Promise<{ chatIds: string[] } | null> {
  const [chats, deleted] = await db.batch([
    db.select({ chatId: conversation.chatId }).from(conversation).where(eq(conversation.clientId, id)),
    db.delete(clients).where(eq(clients.id, id)).returning({ id: clients.id }),
  ]);
  if (deleted.length === 0) return null;
  return { chatIds: chats.map((chat) => chat.chatId) };
}
