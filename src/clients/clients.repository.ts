import { eq } from "drizzle-orm";
import type { ClientSession } from "../cache/lookup-cache";
import type { Database } from "../db/client";
import { clients, conversation } from "../db/schema";

/** What the database knows of a chat: its client's session, or which link is missing. */
export type ChatLookup =
  | { status: "found"; record: ClientSession }
  | { status: "conversation-not-found" }
  | { status: "client-not-found" };

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
