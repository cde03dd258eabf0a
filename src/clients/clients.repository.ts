import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { chatIds, clients, conversation } from "../db/schema";
import type { ClientSession } from "../domain/chat-lookup";

/** The fields a write may set on a client; private fields left `undefined` keep their value. */
export interface ClientFields {
  sessionId: string;
  name?: string | null | undefined;
  phone?: string | null | undefined;
}

/** Every id (chat ids and aliases) of every conversation of a client. */
function idsOfClient(db: Database, id: string) {
  return db
    .select({ chatId: chatIds.chatId })
    .from(chatIds)
    .innerJoin(conversation, eq(conversation.id, chatIds.conversationId))
    .where(eq(conversation.clientId, id));
}

/**
 * Creates or updates a client, and lists every id of its conversations, in one atomic batch:
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
    idsOfClient(db, id),
  ]);
  const row = upserted[0];
  if (row === undefined) throw new Error("upsert returned no row");
  return { record: { id: row.id, session_id: row.sessionId }, chatIds: chats.map((chat) => chat.chatId) };
}

/**
 * Deletes a client; its conversations stay, unlinked (`ON DELETE SET NULL`). Lists every id of
 * them in the same atomic batch.
 *
 * @returns `null` when no client has this id.
 */
export async function deleteClient(db: Database, id: string): Promise<{ chatIds: string[] } | null> {
  const [chats, deleted] = await db.batch([
    idsOfClient(db, id),
    db.delete(clients).where(eq(clients.id, id)).returning({ id: clients.id }),
  ]);
  if (deleted.length === 0) return null;
  return { chatIds: chats.map((chat) => chat.chatId) };
}
