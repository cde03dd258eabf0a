import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { clients, conversation } from "../db/schema";
import { type ChatLookup, CLIENT_NOT_FOUND, CONVERSATION_NOT_FOUND, found } from "../domain/chat-lookup";

/**
 * What the lookups of canonical chat ids answer, in one query whatever their number: the ids
 * travel as one JSON parameter (D1 binds at most 100), and a `LEFT JOIN` keeps a conversation
 * whose client is missing, which tells the two "not found" answers apart.
 *
 * @returns An answer for every id asked, `Conversation not found` for an id no conversation has.
 */
export async function findSessionsByChatIds(
  db: Database,
  chatIds: readonly string[],
): Promise<Map<string, ChatLookup>> {
  const rows = await db
    .select({ chatId: conversation.chatId, clientId: clients.id, sessionId: clients.sessionId })
    .from(conversation)
    .leftJoin(clients, eq(conversation.clientId, clients.id))
    .where(inArray(conversation.chatId, sql`(select value from json_each(${JSON.stringify(chatIds)}))`));
  const answers = new Map<string, ChatLookup>(chatIds.map((chatId) => [chatId, CONVERSATION_NOT_FOUND]));
  for (const { chatId, clientId, sessionId } of rows) {
    answers.set(
      chatId,
      clientId === null || sessionId === null
        ? CLIENT_NOT_FOUND
        : found({ id: clientId, session_id: sessionId }),
    );
  }
  return answers;
}
