/**
 * An import plan as SQL, and its writing in requests. Every statement is idempotent and checks
 * what it relies on, so that a run cut short (a failed request, a lost connection) is completed
 * by running the same import again: it plans anew from what was written.
 *
 * Order: new clients (conversations refer to them), conversations, links, merges (ids move
 * before their old conversation goes), aliases (resolved through their owner's chat id, so they
 * follow merges), and session changes last: a run that fails before them changes them on the
 * next run, which then also clears their cached answers.
 */
import { NEXT_ADDED_SEQ } from "../../../src/db/schema.ts";
import type { D1Connection } from "../d1.ts";
import type { ClientSession, ImportPlan } from "./plan.ts";
import { Progress } from "./progress.ts";
import { literal, multiRow, requests, type Statement } from "./sql.ts";

const CLEAR_CHAT_CHANGES = "DELETE FROM chat_changes";

const row = (...values: (string | null)[]) => `(${values.map(literal).join(",")})`;

function upsertClients(clients: readonly ClientSession[]): Iterable<Statement> {
  return multiRow(
    "INSERT INTO clients (id, session_id) VALUES ",
    clients.map((client) => row(client.id, client.sessionId)),
    " ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, updated_at = unixepoch() * 1000 WHERE clients.session_id IS NOT excluded.session_id",
  );
}

/** The rows the statements of `plan` carry, for progress. */
export function plannedRows(plan: ImportPlan): number {
  const { newClients, conversations, links, merges, aliases, sessionChanges } = plan;
  return (
    newClients.length +
    conversations.length +
    links.length +
    2 * merges.length +
    aliases.length +
    sessionChanges.length
  );
}

/** The statements of `plan`, in the order they must run, each built when it is asked for. */
export function* planStatements(plan: ImportPlan): Generator<Statement> {
  yield* upsertClients(plan.newClients);
  // An id that meanwhile became another conversation's keeps it: the trigger's insert into
  // chat_ids would fail the whole request otherwise.
  yield* multiRow(
    "INSERT INTO conversation (id, chat_id, client_id) SELECT v.column1, v.column2, v.column3 FROM (VALUES ",
    (function* () {
      for (const conversation of plan.conversations)
        yield row(conversation.id, conversation.chatId, conversation.clientId);
    })(),
    ") AS v WHERE NOT EXISTS (SELECT 1 FROM chat_ids AS c WHERE c.chat_id = v.column2)",
  );
  // Never replaces a client: a null client_id in a file never unlinks, another is a conflict.
  yield* multiRow(
    "UPDATE conversation SET client_id = v.column2 FROM (VALUES ",
    plan.links.map((link) => row(link.conversationId, link.clientId)),
    ") AS v WHERE conversation.id = v.column1 AND conversation.client_id IS NULL",
  );
  // Ids move only while both conversations still have the client the merge was planned on.
  yield* multiRow(
    "UPDATE chat_ids SET conversation_id = v.column2 FROM (VALUES ",
    plan.merges.map((merge) => row(merge.sourceId, merge.targetId, merge.clientId)),
    ") AS v WHERE chat_ids.conversation_id = v.column1" +
      " AND EXISTS (SELECT 1 FROM conversation AS s WHERE s.id = v.column1 AND (s.client_id IS NULL OR s.client_id IS v.column3))" +
      " AND EXISTS (SELECT 1 FROM conversation AS t WHERE t.id = v.column2 AND (t.client_id IS NULL OR t.client_id IS v.column3))",
  );
  yield* multiRow(
    "DELETE FROM conversation WHERE id IN (",
    plan.merges.map((merge) => literal(merge.sourceId)),
    ") AND NOT EXISTS (SELECT 1 FROM chat_ids AS c WHERE c.conversation_id = conversation.id)",
  );
  // The aliases of one statement are numbered as added at once (see added_seq in src/db/schema.ts).
  yield* multiRow(
    `INSERT INTO chat_ids (chat_id, conversation_id, added_seq) SELECT v.column1, o.conversation_id, ${NEXT_ADDED_SEQ} FROM (VALUES `,
    (function* () {
      for (const alias of plan.aliases) yield row(alias.alias, alias.ownerChatId);
    })(),
    ") AS v JOIN chat_ids AS o ON o.chat_id = v.column2 WHERE true ON CONFLICT (chat_id) DO NOTHING",
  );
  yield* upsertClients(plan.sessionChanges);
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
      // that record in the same batch, and no later write refreshes them all again.
      await db.batch([...request.map((statement) => statement.sql), CLEAR_CHAT_CHANGES]);
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
