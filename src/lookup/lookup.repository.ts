import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { chatIds, clients, conversation } from "../db/schema";
import { type ChatLookup, CLIENT_NOT_FOUND, CONVERSATION_NOT_FOUND, found } from "../domain/chat-lookup";

/**
 * What the lookups of canonical chat ids answer, in one query whatever their number: the ids
 * travel as one JSON parameter (D1 binds at most 100), any id of a conversation finds it (its
 * chat id or an alias), and a `LEFT JOIN` keeps a conversation whose client is missing, which
 * tells the two "not found" answers apart.
 *
 * @returns An answer for every id asked, `Conversation not found` for an id no conversation has.
 */
export async function findSessionsByChatIds(
  db: Database,
  ids: readonly string[],
): Promise<Map<string, ChatLookup>> {
  const rows = await db
    .select({ chatId: chatIds.chatId, clientId: clients.id, sessionId: clients.sessionId })
    .from(chatIds)
    .innerJoin(conversation, eq(conversation.id, chatIds.conversationId))
    .leftJoin(clients, eq(conversation.clientId, clients.id))
    .where(inArray(chatIds.chatId, sql`(select value from json_each(${JSON.stringify(ids)}))`));
  const answers = new Map<string, ChatLookup>(ids.map((chatId) => [chatId, CONVERSATION_NOT_FOUND]));
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
