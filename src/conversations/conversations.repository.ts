import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { isForeignKeyViolation } from "../db/d1-errors";
import { clients, conversation } from "../db/schema";
import type { ChatLookup } from "../domain/chat-lookup";

/**
 * Creates or updates the conversation of a canonical chat id, linking it to `clientId` (or
 * unlinking it with `null`), and reads what a lookup of that chat now answers, in one atomic batch.
 *
 * @returns `null` when `clientId` names no client (nothing is written).
 */
export async function upsertConversation(
  db: Database,
  chatId: string,
  clientId: string | null,
): Promise<ChatLookup | null> {
  try {
    const [, client] = await db.batch([
      db
        .insert(conversation)
        .values({ id: crypto.randomUUID(), chatId, clientId })
        .onConflictDoUpdate({ target: conversation.chatId, set: { clientId } }),
      db
        .select({ id: clients.id, sessionId: clients.sessionId })
        .from(clients)
        .where(eq(clients.id, clientId ?? "")),
    ]);
    const linked = client[0];
    if (clientId === null || linked === undefined) return { status: "client-not-found" };
    return { status: "found", record: { id: linked.id, session_id: linked.sessionId } };
  } catch (error) {
    // The foreign key is the existence check: one round trip instead of a read before the write.
    if (isForeignKeyViolation(error)) return null;
    throw error;
  }
}

/** Deletes the conversation of a canonical chat id; `false` when there was none. */
export async function deleteConversation(db: Database, chatId: string): Promise<boolean> {
  const deleted = await db
    .delete(conversation)
    .where(eq(conversation.chatId, chatId))
    .returning({ id: conversation.id });
  return deleted.length > 0;
}
