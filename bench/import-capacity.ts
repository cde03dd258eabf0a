/**
 * What D1 stores per conversation, per alias and per client, indexes included: SQLite's `dbstat`
 * table (pages by table and index, free space inside them included) on the local D1's file, which
 * is SQLite's own format, and for comparison on the same rows written otherwise. The total is
 * page_count × page_size, the size D1 reports for a database (`meta.size_after`).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { seededRandom } from "./lib/data.ts";

const MIGRATIONS = fileURLToPath(new URL("../migrations", import.meta.url));

/** D1's largest database, in bytes (Cloudflare's "10 GB"). */
export const D1_MAX_BYTES = 10e9;

/** A conversation in canonical form, as the capacity runs write it. */
export interface CapacityRow {
  chatId: string;
  alias: string | null;
  clientId: string | null;
  sessionId: string | null;
}

export interface TableSize {
  bytes: number;
  rows: number;
}

export interface Sizes {
  /** page_count × page_size. */
  total: number;
  /** By table, each with its indexes. */
  tables: Map<string, TableSize>;
}

function measure(db: DatabaseSync): Sizes {
  const { page_count: pages } = db.prepare("PRAGMA page_count").get() as { page_count: number };
  const { page_size: pageSize } = db.prepare("PRAGMA page_size").get() as { page_size: number };
  const tableOf = new Map(
    (
      db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all() as {
        name: string;
        tbl_name: string;
      }[]
    ).map((row) => [row.name, row.tbl_name]),
  );
  const tables = new Map<string, TableSize>();
  const pagesByName = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
    name: string;
    bytes: number;
  }[];
  for (const { name, bytes } of pagesByName) {
    const table = tableOf.get(name) ?? name;
    const entry = tables.get(table) ?? { bytes: 0, rows: 0 };
    entry.bytes += bytes;
    tables.set(table, entry);
  }
  for (const [table, entry] of tables) {
    if (["clients", "conversation", "chat_ids", "events"].includes(table)) {
      entry.rows = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    }
  }
  return { total: pages * pageSize, tables };
}

/**
 * The local D1 in a `--persist-to` directory, measured on a copy (with its write-ahead log):
 * closing the last connection to a database rewrites its files, and these are workerd's.
 */
export function measureLocalD1(persistTo: string, copyTo: string): Sizes {
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (file === undefined) throw new Error(`no D1 database in ${dir}`);
  mkdirSync(copyTo, { recursive: true });
  for (const suffix of ["", "-wal"]) {
    const from = join(dir, file + suffix);
    if (existsSync(from)) copyFileSync(from, join(copyTo, `d1.sqlite${suffix}`));
  }
  return measured(new DatabaseSync(join(copyTo, "d1.sqlite")));
}

function measured(db: DatabaseSync): Sizes {
  try {
    return measure(db);
  } finally {
    db.close();
  }
}

/** Writes `rows` in `order`, one insert each, into `db`, whose conversation key `key` gives. */
function writeRows(
  db: DatabaseSync,
  rows: readonly CapacityRow[],
  order: Iterable<number>,
  key: (index: number) => string | number,
): void {
  const client = db.prepare("INSERT OR IGNORE INTO clients (id, session_id) VALUES (?, ?)");
  const conversation = db.prepare("INSERT INTO conversation (id, chat_id, client_id) VALUES (?, ?, ?)");
  const alias = db.prepare("INSERT INTO chat_ids (chat_id, conversation_id) VALUES (?, ?)");
  db.exec("BEGIN");
  for (const index of order) {
    const row = rows[index];
    if (row === undefined) continue;
    if (row.clientId !== null) client.run(row.clientId, row.sessionId ?? "");
    conversation.run(key(index), row.chatId, row.clientId);
    if (row.alias !== null) alias.run(row.alias, key(index));
  }
  db.exec("COMMIT");
}

/**
 * The same rows written one by one in random order, as API writes arrive, into plain SQLite
 * with the project's migrations: B-tree pages split wherever a key lands.
 */
export function randomOrderSizes(rows: readonly CapacityRow[], dir: string): Sizes {
  const db = new DatabaseSync(join(dir, "random-order.sqlite"));
  for (const file of readdirSync(MIGRATIONS)
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    db.exec(readFileSync(join(MIGRATIONS, file), "utf8"));
  }
  const random = seededRandom(12);
  const order = rows.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
  }
  const keys = rows.map(() => crypto.randomUUID());
  writeRows(db, rows, order, (index) => keys[index] ?? "");
  return measured(db);
}

/**
 * The same rows in a leaner schema the project could move to: integer conversation keys (the
 * rowid: no UUID stored four times) and `chat_ids` WITHOUT ROWID (its key stored once).
 */
export function leanSchemaSizes(rows: readonly CapacityRow[], dir: string): Sizes {
  const db = new DatabaseSync(join(dir, "lean.sqlite"));
  db.exec(`
    CREATE TABLE clients (id TEXT PRIMARY KEY NOT NULL, session_id TEXT NOT NULL, name TEXT, phone TEXT,
      created_at INTEGER DEFAULT (unixepoch() * 1000) NOT NULL, updated_at INTEGER DEFAULT (unixepoch() * 1000) NOT NULL);
    CREATE INDEX clients_session_id_idx ON clients (session_id);
    CREATE TABLE conversation (id INTEGER PRIMARY KEY, chat_id TEXT NOT NULL UNIQUE,
      client_id TEXT REFERENCES clients (id) ON DELETE SET NULL, created_at INTEGER DEFAULT (unixepoch() * 1000) NOT NULL);
    CREATE INDEX conversation_client_id_idx ON conversation (client_id);
    CREATE TABLE chat_ids (chat_id TEXT PRIMARY KEY NOT NULL,
      conversation_id INTEGER NOT NULL REFERENCES conversation (id) ON DELETE CASCADE) WITHOUT ROWID;
    CREATE INDEX chat_ids_conversation_id_idx ON chat_ids (conversation_id);
    CREATE TRIGGER conversation_chat_id_registered AFTER INSERT ON conversation BEGIN
      INSERT INTO chat_ids (chat_id, conversation_id) VALUES (NEW.chat_id, NEW.id);
    END;
  `);
  const order = rows
    .map((_, i) => i)
    .sort((a, b) => ((rows[a]?.chatId ?? "") < (rows[b]?.chatId ?? "") ? -1 : 1));
  writeRows(db, rows, order, (index) => index + 1);
  return measured(db);
}

/** Bytes per conversation (with its own id in `chat_ids`), per alias and per client. */
export function perRow(sizes: Sizes): { conversation: number; alias: number; client: number } {
  const of = (table: string) => sizes.tables.get(table) ?? { bytes: 0, rows: 0 };
  const ids = of("chat_ids");
  const perId = ids.bytes / Math.max(ids.rows, 1);
  const conversations = of("conversation");
  const clients = of("clients");
  return {
    conversation: conversations.bytes / Math.max(conversations.rows, 1) + perId,
    alias: perId,
    client: clients.bytes / Math.max(clients.rows, 1),
  };
}

/** How many conversations fit in one D1 database, with `aliases` aliases and `clients` clients each. */
export function conversationsPerDatabase(sizes: Sizes, aliases: number, clients: number): number {
  const per = perRow(sizes);
  return D1_MAX_BYTES / (per.conversation + aliases * per.alias + clients * per.client);
}
