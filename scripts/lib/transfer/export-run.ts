/**
 * `npm run export`: every conversation as one NDJSON line, in chat id order, aliases sorted,
 * every field always written: the same data gives the same bytes, and an export imported into
 * an empty database exports to the same bytes again.
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { D1Connection } from "../d1.ts";
import { literal, scanPages, text } from "./sql.ts";

// A page travels as one string, and D1 refuses strings over 2 MB: room for long alias lists.
const PAGE_ROWS = 2_000;

/** One conversation's line: `{"chat_id","client_id","session_id","aliases"}`, always in that order. */
export function exportLine(row: readonly unknown[]): string {
  const [chatId, clientId, sessionId] = row.slice(0, 3).map(text);
  const aliases = Array.isArray(row[3]) ? row[3].filter((id): id is string => typeof id === "string") : [];
  aliases.sort();
  return JSON.stringify({
    chat_id: chatId,
    client_id: clientId,
    session_id: clientId === null ? null : sessionId,
    aliases,
  });
}

function pageSql(after: string): string {
  return `SELECT json_group_array(json_array(chat_id, client_id, session_id, json(aliases))) AS page, max(chat_id) AS last FROM (
  SELECT v.chat_id, v.client_id, k.session_id,
    (SELECT json_group_array(c.chat_id) FROM chat_ids AS c WHERE c.conversation_id = v.id AND c.chat_id <> v.chat_id) AS aliases
  FROM conversation AS v LEFT JOIN clients AS k ON k.id = v.client_id
  WHERE v.chat_id > ${literal(after)} ORDER BY v.chat_id LIMIT ${PAGE_ROWS})`;
}

/**
 * Writes every conversation to `out` (a file, written whole or not at all: it appears once
 * complete, readable by its owner only, since it holds phone numbers), or to standard output.
 *
 * @returns How many conversations were written.
 */
export async function exportConversations(db: D1Connection, out: string | undefined): Promise<number> {
  const partial = out === undefined ? undefined : `${out}.partial`;
  // `wx`: a file left by another run is not written into (its mode may be wider); it is replaced.
  if (partial !== undefined) await rm(partial, { force: true });
  const stream =
    partial === undefined ? process.stdout : createWriteStream(partial, { mode: 0o600, flags: "wx" });
  let count = 0;
  try {
    for await (const rows of scanPages(db, pageSql)) {
      // SQLite's order, which the keyset follows, is the UTF-8 byte order; keep it on the page.
      const lines = rows.map(exportLine);
      count += lines.length;
      if (!stream.write(`${lines.join("\n")}\n`)) await once(stream, "drain");
    }
    if (partial !== undefined && out !== undefined) {
      await close(stream as WriteStream);
      await rename(partial, out);
    }
  } catch (error) {
    if (partial !== undefined) {
      (stream as WriteStream).destroy();
      await rm(partial, { force: true });
    }
    throw error;
  }
  return count;
}

function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}
