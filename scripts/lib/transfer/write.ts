/**
 * An import plan as SQL, and its writing in requests. Every statement is idempotent and checks
 * what it relies on, so that a run cut short (a failed request, a lost connection) is completed
 * by running the same import again: it plans anew from what was written.
 *
 * Order: new clients (conversations refer to them), conversations, links, moves (`--move`),
 * merges (ids move before their old conversation goes), aliases (resolved through their owner's
 * chat id, so they follow merges), and session changes last: a run that fails before them changes
 * them on the next run, which then also clears their cached answers.
 */
import { NEXT_ADDED_SEQ } from "../../../src/db/schema.ts";
import type { D1Connection } from "../d1.ts";
import { Progress } from "./progress.ts";
import type { ImportScratch, ScratchRow } from "./scratch.ts";
import { literal, multiRow, requests, type Statement } from "./sql.ts";

const CLEAR_CHAT_CHANGES = "DELETE FROM chat_changes";
// The events its statements record (migrations/0006) name the import as their actor.
const SET_ACTOR =
  "INSERT INTO event_context (actor, after_seq) SELECT 'import', coalesce(max(seq), 0) FROM events";
const CLEAR_ACTOR = "DELETE FROM event_context";

const row = (...values: (string | null)[]) => `(${values.map(literal).join(",")})`;
const text = (value: string | number | null | undefined) =>
  value === null || value === undefined ? null : String(value);

/** The rows of a plan table, in key order, a page at a time, each made into an SQL row. */
function* rowsOf(scratch: ImportScratch, sql: string, toRow: (row: ScratchRow) => string): Generator<string> {
  for (const rows of scratch.pages(sql, "")) for (const each of rows) yield toRow(each);
}

const NEW_CLIENTS = `SELECT c.client_id AS key, c.session_id AS session_id FROM client_sessions AS c
  LEFT JOIN stored_sessions AS s ON s.client_id = c.client_id
  WHERE s.client_id IS NULL AND c.client_id > ? ORDER BY c.client_id LIMIT ?`;
export const SESSION_CHANGES = `SELECT c.client_id AS key, c.session_id AS session_id FROM client_sessions AS c
  JOIN stored_sessions AS s ON s.client_id = c.client_id
  WHERE s.session_id <> c.session_id AND c.client_id > ? ORDER BY c.client_id LIMIT ?`;

function upsertClients(scratch: ImportScratch, sql: string): Iterable<Statement> {
  return multiRow(
    "INSERT INTO clients (id, session_id) VALUES ",
    rowsOf(scratch, sql, (client) => row(text(client.key), text(client.session_id))),
    " ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, updated_at = unixepoch() * 1000 WHERE clients.session_id IS NOT excluded.session_id",
  );
}

/** The rows the statements of the plan carry, for progress. */
export function plannedRows(scratch: ImportScratch): number {
  scratch.commit();
  return scratch.count(
    `SELECT (SELECT count(*) FROM client_sessions) + (SELECT count(*) FROM plan_conversations)
      + (SELECT count(*) FROM plan_links) + (SELECT count(*) FROM plan_moves) + 2 * (SELECT count(*) FROM plan_merges)
      + (SELECT count(*) FROM plan_aliases)`,
  );
}

/**
 * The statements of the plan in `scratch`, in the order they must run, each built when it is
 * asked for; `newId` names each conversation created, called in chat id order.
 */
export function* planStatements(scratch: ImportScratch, newId: () => string): Generator<Statement> {
  yield* upsertClients(scratch, NEW_CLIENTS);
  // An id that meanwhile became another conversation's keeps it: the trigger's insert into
  // chat_ids would fail the whole request otherwise.
  yield* multiRow(
    "INSERT INTO conversation (id, chat_id, client_id) SELECT v.column1, v.column2, v.column3 FROM (VALUES ",
    rowsOf(
      scratch,
      "SELECT chat_id AS key, client_id FROM plan_conversations WHERE chat_id > ? ORDER BY chat_id LIMIT ?",
      (conversation) => row(newId(), text(conversation.key), text(conversation.client_id)),
    ),
    ") AS v WHERE NOT EXISTS (SELECT 1 FROM chat_ids AS c WHERE c.chat_id = v.column2)",
  );
  // Never replaces a client: a null client_id in a file never unlinks, another is a conflict.
  yield* multiRow(
    "UPDATE conversation SET client_id = v.column2 FROM (VALUES ",
    rowsOf(
      scratch,
      "SELECT conversation_id AS key, client_id FROM plan_links WHERE conversation_id > ? ORDER BY conversation_id LIMIT ?",
      (link) => row(text(link.key), text(link.client_id)),
    ),
    ") AS v WHERE conversation.id = v.column1 AND conversation.client_id IS NULL",
  );
  // --move: the file's client replaces the stored one.
  yield* multiRow(
    "UPDATE conversation SET client_id = v.column2 FROM (VALUES ",
    rowsOf(
      scratch,
      "SELECT conversation_id AS key, client_id FROM plan_moves WHERE conversation_id > ? ORDER BY conversation_id LIMIT ?",
      (move) => row(text(move.key), text(move.client_id)),
    ),
    ") AS v WHERE conversation.id = v.column1 AND conversation.client_id IS NOT v.column2",
  );
  // Ids move only while both conversations still have the client the merge was planned on.
  yield* multiRow(
    "UPDATE chat_ids SET conversation_id = v.column2 FROM (VALUES ",
    rowsOf(
      scratch,
      "SELECT source_id AS key, target_id, client_id FROM plan_merges WHERE source_id > ? ORDER BY source_id LIMIT ?",
      (merge) => row(text(merge.key), text(merge.target_id), text(merge.client_id)),
    ),
    ") AS v WHERE chat_ids.conversation_id = v.column1" +
      " AND EXISTS (SELECT 1 FROM conversation AS s WHERE s.id = v.column1 AND (s.client_id IS NULL OR s.client_id IS v.column3))" +
      " AND EXISTS (SELECT 1 FROM conversation AS t WHERE t.id = v.column2 AND (t.client_id IS NULL OR t.client_id IS v.column3))",
  );
  yield* multiRow(
    "DELETE FROM conversation WHERE id IN (",
    rowsOf(
      scratch,
      "SELECT source_id AS key FROM plan_merges WHERE source_id > ? ORDER BY source_id LIMIT ?",
      (merge) => literal(text(merge.key)),
    ),
    ") AND NOT EXISTS (SELECT 1 FROM chat_ids AS c WHERE c.conversation_id = conversation.id)",
  );
  // The aliases of one statement are numbered as added at once (see added_seq in src/db/schema.ts).
  yield* multiRow(
    `INSERT INTO chat_ids (chat_id, conversation_id, added_seq) SELECT v.column1, o.conversation_id, ${NEXT_ADDED_SEQ} FROM (VALUES `,
    rowsOf(
      scratch,
      "SELECT alias AS key, owner_chat_id FROM plan_aliases WHERE alias > ? ORDER BY alias LIMIT ?",
      (alias) => row(text(alias.key), text(alias.owner_chat_id)),
    ),
    ") AS v JOIN chat_ids AS o ON o.chat_id = v.column2 WHERE true ON CONFLICT (chat_id) DO NOTHING",
  );
  yield* upsertClients(scratch, SESSION_CHANGES);
}

/**
 * Runs `statements` in requests of at most `budget` bytes, in order, one atomic batch each. The
 * next request is built while one runs.
 *
 * @param total - The rows the statements carry, for progress.
 * @throws An error that says how far the import got, and that running it again completes it.
 */
export async function writeStatements(
  db: D1Connection,
  statements: Iterable<Statement>,
  total: number,
  budget: number,
  showProgress: boolean,
): Promise<void> {
  const progress = new Progress("writing", "rows", showProgress, total);
  let done = 0;
  let sent = 0;
  let running: Promise<void> | undefined;
  const send = async (request: Statement[], number: number) => {
    try {
      // The chats these statements change are recorded by triggers for the caches (see
      // chat_changes in src/db/schema.ts); the import clears its own KV entries, so it empties
      // that record in the same batch, and no later write refreshes them all again. Its events
      // name the import as their actor.
      await db.batch([
        SET_ACTOR,
        ...request.map((statement) => statement.sql),
        CLEAR_CHAT_CHANGES,
        CLEAR_ACTOR,
      ]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const written =
        number === 1
          ? "Nothing is written."
          : `Requests 1 to ${number - 1} are written (${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows), the rest is not.`;
      throw new Error(
        `writing request ${number} failed: ${reason}\n${written} Every request is idempotent: run the same import again to complete it.`,
      );
    }
    done += request.reduce((sum, statement) => sum + statement.rows, 0);
    progress.update(done);
  };
  try {
    for (const request of requests(statements, budget)) {
      await running;
      running = send(request, ++sent);
      // The generator builds the next request synchronously: let this one leave first.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await running;
  } finally {
    progress.finish();
  }
}
