/**
 * SQL for bulk work within D1's limits: values written as escaped literals (no bound
 * parameters, so the 100-parameter limit never applies), statements under D1's 100,000 bytes,
 * and requests sized for the way they travel.
 */
import type { D1Connection, Row } from "../d1.ts";
import { sqlString } from "../wrangler.ts";

/** The longest statement written, in UTF-8 bytes: D1 refuses statements over 100,000. */
export const STATEMENT_BYTES = 90_000;

/**
 * The most SQL sent in one request. Remotely a request is one `wrangler d1 execute --command`,
 * one argument, which Linux caps at 128 KiB; locally a batch of the platform proxy.
 */
export function requestBytes(remote: boolean): number {
  return remote ? 100_000 : 2_000_000;
}

/** A value as an SQL literal: a quoted, escaped string, or NULL. */
export function literal(value: string | null): string {
  if (value === null) return "NULL";
  // Most values hold no quote: skip the copy.
  return value.includes("'") ? sqlString(value) : `'${value}'`;
}

/** A statement and how many rows it carries, for progress. */
export interface Statement {
  sql: string;
  rows: number;
}

/**
 * Multi-row statements: `head` + rows joined by commas + `tail`, as many rows to a statement as
 * {@link STATEMENT_BYTES} allows. Lazy: a statement is built when it is asked for.
 */
export function* multiRow(head: string, rows: Iterable<string>, tail = ""): Generator<Statement> {
  const fixed = Buffer.byteLength(head) + Buffer.byteLength(tail);
  let current: string[] = [];
  let bytes = fixed;
  for (const row of rows) {
    const size = Buffer.byteLength(row) + 1;
    if (current.length > 0 && bytes + size > STATEMENT_BYTES) {
      yield { sql: `${head}${current.join(",")}${tail}`, rows: current.length };
      current = [];
      bytes = fixed;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) yield { sql: `${head}${current.join(",")}${tail}`, rows: current.length };
}

/** Statements grouped into requests of at most `budget` bytes, in order, lazily. */
export function* requests<T extends { sql: string }>(
  statements: Iterable<T>,
  budget: number,
): Generator<T[]> {
  let current: T[] = [];
  let bytes = 0;
  for (const statement of statements) {
    const size = Buffer.byteLength(statement.sql) + 2;
    if (current.length > 0 && bytes + size > budget) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(statement);
    bytes += size;
  }
  if (current.length > 0) yield current;
}

/** Runs read statements, as few requests as the budget allows, and answers the rows of each. */
export async function readAll(
  db: D1Connection,
  statements: Iterable<Statement>,
  budget: number,
): Promise<Row[][]> {
  const results: Row[][] = [];
  for (const group of requests(statements, budget)) {
    results.push(...(await db.batch(group.map((statement) => statement.sql))));
  }
  return results;
}

/**
 * The arrays of a page that SQLite built with `json_group_array(json_array(…))`: a whole page
 * of rows travels as one string, far cheaper to carry than one object per row.
 */
export function pageRows(page: unknown): unknown[][] {
  if (typeof page !== "string") return [];
  const rows: unknown = JSON.parse(page);
  return Array.isArray(rows) ? rows.filter((row): row is unknown[] => Array.isArray(row)) : [];
}

/**
 * Reads a whole table in key order, a page at a time: `pageSql(after)` selects `page` (rows
 * built with `json_group_array`) and `last` (the page's greatest key, NULL past the end).
 */
export async function* scanPages(
  db: D1Connection,
  pageSql: (after: string) => string,
): AsyncGenerator<unknown[][]> {
  let after = "";
  for (;;) {
    const [row] = (await db.batch([pageSql(after)]))[0] ?? [];
    const rows = pageRows(row?.page);
    if (rows.length > 0) yield rows;
    if (typeof row?.last !== "string") return;
    after = row.last;
  }
}

/** A string column of a row built by SQLite, or null. */
export function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
