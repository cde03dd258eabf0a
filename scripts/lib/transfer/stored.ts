/**
 * What the database already holds for the ids and clients of an import file: the conversation
 * of each id, the session of each client, written to the import's scratch database. A file about
 * as large as the database reads whole tables in key order (cheap pages); a small file asks for
 * its own keys only, a page of them at a time.
 */
import type { D1Connection } from "../d1.ts";
import { Progress } from "./progress.ts";
import type { ImportScratch } from "./scratch.ts";
import { literal, multiRow, pageRows, readAll, scanPages, text } from "./sql.ts";

/** A conversation as the database has it. */
export interface StoredConversation {
  /** Its primary key. */
  id: string;
  /** Its own chat id. */
  chatId: string;
  clientId: string | null;
}

const PAGE_ROWS = 10_000;
// Keys asked for at once: a few requests' worth of statements.
const KEYS_PER_ROUND = 20_000;
// Reading a whole table pays off while it is at most this many times the file's keys.
const SCAN_RATIO = 2;

const idRow = "json_array(c.chat_id, v.id, v.chat_id, v.client_id)";
const idsFrom = "FROM chat_ids AS c JOIN conversation AS v ON v.id = c.conversation_id";

/** Reads the stored conversations of the file's ids and the sessions of its clients into `scratch`. */
export async function readStoredState(
  db: D1Connection,
  budget: number,
  scratch: ImportScratch,
  showProgress: boolean,
): Promise<void> {
  scratch.commit();
  const fileIds = scratch.count("SELECT count(*) FROM first_of");
  const fileClients = scratch.count("SELECT count(*) FROM client_sessions");
  const [counts] = await db.batch([
    "SELECT (SELECT count(*) FROM chat_ids) AS ids, (SELECT count(*) FROM clients) AS clients",
  ]);
  const storedIds = Number(counts?.[0]?.ids ?? 0);
  const storedClients = Number(counts?.[0]?.clients ?? 0);
  const progress = new Progress("reading the database", "ids", showProgress);
  const takeId = (row: unknown[]) => {
    const [chatId, id, own, clientId] = row.map(text);
    if (chatId == null || id == null || own == null) return;
    if (scratch.get("SELECT 1 AS found FROM first_of WHERE id = ?", chatId) === undefined) return;
    scratch.run(
      "INSERT INTO stored (id, conversation_id, own_chat_id, client_id) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      chatId,
      id,
      own,
      clientId ?? null,
    );
  };
  let read = 0;
  if (storedIds > 0 && storedIds <= SCAN_RATIO * fileIds) {
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
    for (const keys of keyRounds(
      scratch,
      "SELECT id AS key FROM first_of WHERE id > ? ORDER BY id LIMIT ?",
    )) {
      const statements = multiRow(
        `SELECT json_group_array(${idRow}) AS page ${idsFrom} WHERE c.chat_id IN (`,
        keys.map(literal),
        ")",
      );
      for (const [row] of await readAll(db, statements, budget)) pageRows(row?.page).forEach(takeId);
      read += keys.length;
      progress.update(read, read / fileIds);
    }
  }
  progress.finish();

  const takeClient = (row: unknown[]) => {
    const [id, session] = row.map(text);
    if (id == null || session == null) return;
    if (scratch.get("SELECT 1 AS found FROM client_sessions WHERE client_id = ?", id) === undefined) return;
    scratch.run(
      "INSERT INTO stored_sessions (client_id, session_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
      id,
      session,
    );
  };
  if (storedClients > 0 && storedClients <= SCAN_RATIO * fileClients) {
    for await (const rows of scanPages(
      db,
      (after) =>
        `SELECT json_group_array(json_array(id, session_id)) AS page, max(id) AS last FROM (SELECT id, session_id FROM clients WHERE id > ${literal(after)} ORDER BY id LIMIT ${PAGE_ROWS})`,
    )) {
      rows.forEach(takeClient);
    }
  } else if (storedClients > 0) {
    for (const keys of keyRounds(
      scratch,
      "SELECT client_id AS key FROM client_sessions WHERE client_id > ? ORDER BY client_id LIMIT ?",
    )) {
      const statements = multiRow(
        "SELECT json_group_array(json_array(id, session_id)) AS page FROM clients WHERE id IN (",
        keys.map(literal),
        ")",
      );
      for (const [row] of await readAll(db, statements, budget)) pageRows(row?.page).forEach(takeClient);
    }
  }
  scratch.commit();
}

/** The keys `sql` pages through, a round at a time. */
function* keyRounds(scratch: ImportScratch, sql: string): Generator<string[]> {
  for (const rows of scratch.pages(sql, "", KEYS_PER_ROUND)) yield rows.map((row) => String(row.key));
}

/** The stored conversation of `id`, if the database has one. */
export function storedConversationOf(scratch: ImportScratch, id: string): StoredConversation | undefined {
  const row = scratch.get("SELECT conversation_id, own_chat_id, client_id FROM stored WHERE id = ?", id);
  if (row === undefined) return undefined;
  return {
    id: String(row.conversation_id),
    chatId: String(row.own_chat_id),
    clientId: (row.client_id as string | null) ?? null,
  };
}
