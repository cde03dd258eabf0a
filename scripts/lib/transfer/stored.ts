/**
 * What the database already holds for the ids and clients of an import file: the conversation
 * of each id, the session of each client. A file about as large as the database reads whole
 * tables in key order (cheap pages); a small file asks for its own keys only.
 */
import type { D1Connection } from "../d1.ts";
import { Progress } from "./progress.ts";
import { literal, multiRow, pageRows, readAll, scanPages, text } from "./sql.ts";

/** A conversation as the database has it. */
export interface StoredConversation {
  /** Its primary key. */
  id: string;
  /** Its own chat id. */
  chatId: string;
  clientId: string | null;
}

export interface StoredState {
  /** The conversation of each id of the file that the database has (one object per conversation). */
  conversations: Map<string, StoredConversation>;
  /** The session of each client of the file that the database has. */
  sessions: Map<string, string>;
}

const PAGE_ROWS = 10_000;
// Reading a whole table pays off while it is at most this many times the file's keys.
const SCAN_RATIO = 2;

const idRow = "json_array(c.chat_id, v.id, v.chat_id, v.client_id)";
const idsFrom = "FROM chat_ids AS c JOIN conversation AS v ON v.id = c.conversation_id";

/** Reads the stored conversations of `ids` and sessions of `clients`. */
export async function readStoredState(
  db: D1Connection,
  budget: number,
  ids: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  clients: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  showProgress: boolean,
): Promise<StoredState> {
  const [counts] = await db.batch([
    "SELECT (SELECT count(*) FROM chat_ids) AS ids, (SELECT count(*) FROM clients) AS clients",
  ]);
  const storedIds = Number(counts?.[0]?.ids ?? 0);
  const storedClients = Number(counts?.[0]?.clients ?? 0);
  const progress = new Progress("reading the database", "ids", showProgress);
  const conversations = new Map<string, StoredConversation>();
  const byKey = new Map<string, StoredConversation>();
  const takeId = (row: unknown[]) => {
    const [chatId, id, own, clientId] = row.map(text);
    if (chatId == null || id == null || own == null || !ids.has(chatId)) return;
    let stored = byKey.get(id);
    if (stored === undefined) {
      stored = { id, chatId: own, clientId: clientId ?? null };
      byKey.set(id, stored);
    }
    conversations.set(chatId, stored);
  };
  let read = 0;
  if (storedIds > 0 && storedIds <= SCAN_RATIO * ids.size) {
    for await (const rows of scanPages(
      db,
      (after) =>
        `SELECT json_group_array(json_array(chat_id, id, own, client_id)) AS page, max(chat_id) AS last FROM (SELECT c.chat_id, v.id, v.chat_id AS own, v.client_id ${idsFrom} WHERE c.chat_id > ${literal(after)} ORDER BY c.chat_id LIMIT ${PAGE_ROWS})`,
    )) {
      rows.forEach(takeId);
      read += rows.length;
      progress.update(read, read / storedIds);
    }
  } else if (storedIds > 0) {
    const statements = multiRow(
      `SELECT json_group_array(${idRow}) AS page ${idsFrom} WHERE c.chat_id IN (`,
      [...ids.keys()].map(literal),
      ")",
    );
    for (const [row] of await readAll(db, statements, budget)) pageRows(row?.page).forEach(takeId);
  }
  progress.finish();

  const sessions = new Map<string, string>();
  const takeClient = (row: unknown[]) => {
    const [id, session] = row.map(text);
    if (id != null && session != null && clients.has(id)) sessions.set(id, session);
  };
  if (storedClients > 0 && storedClients <= SCAN_RATIO * clients.size) {
    for await (const rows of scanPages(
      db,
      (after) =>
        `SELECT json_group_array(json_array(id, session_id)) AS page, max(id) AS last FROM (SELECT id, session_id FROM clients WHERE id > ${literal(after)} ORDER BY id LIMIT ${PAGE_ROWS})`,
    )) {
      rows.forEach(takeClient);
    }
  } else if (storedClients > 0) {
    const statements = multiRow(
      "SELECT json_group_array(json_array(id, session_id)) AS page FROM clients WHERE id IN (",
      [...clients.keys()].map(literal),
      ")",
    );
    for (const [row] of await readAll(db, statements, budget)) pageRows(row?.page).forEach(takeClient);
  }
  return { conversations, sessions };
}
