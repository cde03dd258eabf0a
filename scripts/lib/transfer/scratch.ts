/**
 * Where an import keeps what it learns of the file and the database while it plans: a SQLite
 * file of its own in the system's temporary folder (Node's `node:sqlite`), deleted when the
 * import ends. Whatever the file's length, the import then holds in memory only what one line,
 * one conversation or one page of the database needs: its memory no longer grows with the file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";

const SCHEMA = `
  PRAGMA journal_mode = OFF;
  PRAGMA synchronous = OFF;
  PRAGMA temp_store = FILE;
  PRAGMA cache_size = -4096;
  -- Every valid record, by its index n (0-based, in file order).
  CREATE TABLE records (n INTEGER PRIMARY KEY, line INTEGER NOT NULL, chat_id TEXT NOT NULL,
    client_id TEXT, session_id TEXT, aliases TEXT);
  -- Every id of the file (chat ids and aliases) and the first record that has it; rowid: the
  -- order ids first appear in.
  CREATE TABLE first_of (id TEXT NOT NULL UNIQUE, n INTEGER NOT NULL);
  -- An id met again: record n shares it with the record that had it first.
  CREATE TABLE repeats (n INTEGER NOT NULL, id TEXT NOT NULL);
  -- Each client of the file, its session and the line that first gave it.
  CREATE TABLE client_sessions (client_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, line INTEGER NOT NULL);
  -- The groups of records that are one conversation: only records joined to another are here.
  CREATE TABLE joined (n INTEGER PRIMARY KEY, parent INTEGER NOT NULL, size INTEGER NOT NULL, client_id TEXT);
  CREATE TABLE members (root INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (root, n)) WITHOUT ROWID;
  CREATE INDEX members_n ON members (n);
  -- What the database holds for the file's ids and clients.
  CREATE TABLE stored (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, own_chat_id TEXT NOT NULL,
    client_id TEXT) WITHOUT ROWID;
  CREATE INDEX stored_conversation ON stored (conversation_id);
  CREATE TABLE stored_sessions (client_id TEXT PRIMARY KEY, session_id TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE first_id_of_stored (conversation_id TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
  -- The plan.
  CREATE TABLE plan_conversations (chat_id TEXT PRIMARY KEY, client_id TEXT) WITHOUT ROWID;
  CREATE TABLE plan_aliases (alias TEXT PRIMARY KEY, owner_chat_id TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE plan_links (conversation_id TEXT PRIMARY KEY, client_id TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE plan_moves (conversation_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, from_client_id TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE plan_merges (source_id TEXT PRIMARY KEY, target_id TEXT NOT NULL, client_id TEXT) WITHOUT ROWID;
  -- The ids whose cached answers the import makes stale, read before it writes.
  CREATE TABLE stale (id TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/** A row as `node:sqlite` answers it. */
export type ScratchRow = Record<string, string | number | null>;

/** The import's scratch database: prepared statements by their SQL, in one transaction at a time. */
export class ImportScratch {
  readonly #db: DatabaseSync;
  readonly #dir: string;
  readonly #statements = new Map<string, StatementSync>();
  #inTransaction = false;
  #pending = 0;

  private constructor(db: DatabaseSync, dir: string) {
    this.#db = db;
    this.#dir = dir;
  }

  /** Opens a new, empty scratch database; {@link close} deletes it. */
  static async open(): Promise<ImportScratch> {
    const { DatabaseSync } = await importSqlite();
    const dir = mkdtempSync(join(tmpdir(), "csl-import-"));
    const db = new DatabaseSync(join(dir, "scratch.sqlite"));
    db.exec(SCHEMA);
    return new ImportScratch(db, dir);
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs a write; writes are grouped in transactions of many rows (a write is cheap then). */
  run(sql: string, ...values: (string | number | null)[]): number {
    if (!this.#inTransaction) {
      this.#db.exec("BEGIN");
      this.#inTransaction = true;
    }
    const { changes } = this.#statement(sql).run(...values);
    if (++this.#pending >= 10_000) this.commit();
    return Number(changes);
  }

  /** Ends the current transaction, so that reads see every write (they do anyway) and it lasts. */
  commit(): void {
    if (!this.#inTransaction) return;
    this.#db.exec("COMMIT");
    this.#inTransaction = false;
    this.#pending = 0;
  }

  get(sql: string, ...values: (string | number | null)[]): ScratchRow | undefined {
    return this.#statement(sql).get(...values) as ScratchRow | undefined;
  }

  all(sql: string, ...values: (string | number | null)[]): ScratchRow[] {
    return this.#statement(sql).all(...values) as ScratchRow[];
  }

  /**
   * The rows of `sql` page by page, in key order: `sql` selects `key` and takes the key to start
   * after as its last parameter and the page size as its limit (`WHERE key > ? … LIMIT ?`).
   */
  *pages(
    sql: string,
    start: string | number,
    pageRows = 5_000,
    ...values: (string | number)[]
  ): Generator<ScratchRow[]> {
    let after: string | number = start;
    for (;;) {
      this.commit();
      const rows = this.all(sql, ...values, after, pageRows);
      if (rows.length > 0) yield rows;
      const last = rows.at(-1)?.key;
      if (rows.length < pageRows || last === undefined || last === null) return;
      after = last;
    }
  }

  /** A count (the first column of the first row). */
  count(sql: string, ...values: (string | number | null)[]): number {
    const row = this.get(sql, ...values);
    return row === undefined ? 0 : Number(Object.values(row)[0] ?? 0);
  }

  /** Closes and deletes the scratch database. */
  close(): void {
    try {
      this.commit();
      this.#db.close();
    } finally {
      rmSync(this.#dir, { recursive: true, force: true });
    }
  }
}

/** `node:sqlite`, without its one-time warning that it is experimental: the import uses a stable part of it. */
async function importSqlite(): Promise<typeof import("node:sqlite")> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import("node:sqlite");
  } finally {
    process.emitWarning = emitWarning;
  }
}
