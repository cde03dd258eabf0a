import { eq, inArray, sql } from "drizzle-orm";
import type { BatchFrame, Database } from "../../db/client";
import { chatIds, clients, conversation } from "../../db/schema";
import {
  type ChatChange,
  type ChatLookup,
  CLIENT_NOT_FOUND,
  CONVERSATION_NOT_FOUND,
  found,
} from "../../domain/chat-lookup";

/** What a lookup answers, from a chat's row joined to its conversation and client. */
function answerOf(row: { conversationId: string | null; clientId: string | null; sessionId: string | null }) {
  if (row.conversationId === null) return CONVERSATION_NOT_FOUND;
  if (row.clientId === null || row.sessionId === null) return CLIENT_NOT_FOUND;
  return found({ id: row.clientId, session_id: row.sessionId });
}

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
    .select({
      chatId: chatIds.chatId,
      conversationId: conversation.id,
      clientId: clients.id,
      sessionId: clients.sessionId,
    })
    .from(chatIds)
    .innerJoin(conversation, eq(conversation.id, chatIds.conversationId))
    .leftJoin(clients, eq(conversation.clientId, clients.id))
    .where(inArray(chatIds.chatId, sql`(select value from json_each(${JSON.stringify(ids)}))`));
  const answers = new Map<string, ChatLookup>(ids.map((chatId) => [chatId, CONVERSATION_NOT_FOUND]));
  for (const row of rows) answers.set(row.chatId, answerOf(row));
  return answers;
}

// The chats the batch's writes recorded as changed (migrations/0004_chat_changes_recorded.sql),
// each with what its lookup answers now; then the record emptied for the next write.
const READ_CHANGES = `SELECT changed.chat_id AS chat_id, conversation.id AS conversation_id,
  clients.id AS client_id, clients.session_id AS session_id
  FROM (SELECT DISTINCT chat_id FROM chat_changes) AS changed
  LEFT JOIN chat_ids ON chat_ids.chat_id = changed.chat_id
  LEFT JOIN conversation ON conversation.id = chat_ids.conversation_id
  LEFT JOIN clients ON clients.id = conversation.client_id`;
const CLEAR_CHANGES = "DELETE FROM chat_changes";

interface ChangeRow {
  chat_id: string;
  conversation_id: string | null;
  client_id: string | null;
  session_id: string | null;
}

/**
 * The ending of every batch of a write: the chats its statements changed, as the database
 * recorded them, with their new answers, passed to `changed`.
 */
export function readChangedChats(changed: (changes: ChatChange[]) => void): BatchFrame {
  return {
    open: () => [],
    close: (session) => ({
      statements: [session.prepare(READ_CHANGES), session.prepare(CLEAR_CHANGES)],
      read: ([rows]) => {
        changed(
          ((rows?.results ?? []) as ChangeRow[]).map((row) => ({
            chatId: row.chat_id,
            lookup: answerOf({
              conversationId: row.conversation_id,
              clientId: row.client_id,
              sessionId: row.session_id,
            }),
          })),
        );
      },
    }),
  };
}
