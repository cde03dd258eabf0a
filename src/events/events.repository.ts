import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { StoredEvent } from "../domain/event";

/** Which events: those of a chat, a client, a session, or all. */
export type EventFilter =
  | { chatId: string }
  | { clientId: string }
  | { sessionId: string }
  | Record<string, never>;

export interface EventPageQuery {
  filter: EventFilter;
  /** Only events older than this position (a cursor); `null`: from the newest. */
  beforeSeq: number | null;
  limit: number;
  /** Only events of these sessions; `null`: every event. */
  sessions: readonly string[] | null;
}

interface EventRow extends StoredEvent {
  seq: number;
}

const COLUMNS = sql.raw("seq, id, at, type, actor, chat_id, client_id, session_id, before, after");

/**
 * The conversations whose history is a chat's: the one that has the id now, any deleted since
 * that had it as its chat id, and, transitively, every conversation merged into one of them.
 */
function conversationsOf(chatId: string): SQL {
  return sql`with recursive histories(id) as (
      select conversation_id from chat_ids where chat_id = ${chatId}
      union select conversation_id from events
        where chat_id = ${chatId} and type = 'conversation.deleted' and conversation_id is not null
      union select e.merged_from from events as e join histories as h on e.conversation_id = h.id
        where e.type = 'conversations.merged' and e.merged_from is not null
    )`;
}

/**
 * A page of events, newest first: up to `limit`, and the position to continue from when there
 * are more.
 */
export async function findEvents(
  db: Database,
  query: EventPageQuery,
): Promise<{ rows: StoredEvent[]; next: number | null }> {
  const { filter } = query;
  const conditions: SQL[] = [];
  let prefix = sql``;
  if ("chatId" in filter && filter.chatId !== undefined) {
    prefix = conversationsOf(filter.chatId);
    conditions.push(sql`conversation_id in (select id from histories)`);
  } else if ("clientId" in filter && filter.clientId !== undefined) {
    conditions.push(sql`client_id = ${filter.clientId}`);
  } else if ("sessionId" in filter && filter.sessionId !== undefined) {
    conditions.push(sql`session_id = ${filter.sessionId}`);
  }
  if (query.beforeSeq !== null) conditions.push(sql`seq < ${query.beforeSeq}`);
  if (query.sessions !== null) {
    conditions.push(sql`session_id in (select value from json_each(${JSON.stringify(query.sessions)}))`);
  }
  const where = conditions.length === 0 ? sql`` : sql` where ${sql.join(conditions, sql` and `)}`;
  const rows = await db.all<EventRow>(
    sql`${prefix} select ${COLUMNS} from events${where} order by seq desc limit ${query.limit + 1}`,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > query.limit && last !== undefined ? last.seq : null };
}
