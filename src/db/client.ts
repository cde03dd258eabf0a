/**
 * Drizzle over D1, always through the D1 Sessions API: reads may be served by a nearby read
 * replica (when the database has read replication on), writes go to the primary, and a
 * bookmark carries "at least as new as this write" from a write to later reads.
 *
 * Drizzle's D1 driver expects a `D1Database`; a `D1DatabaseSession` offers the part of it the
 * driver uses (`prepare` and `batch`). That adaptation lives here and nowhere else.
 */
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";

// No schema handed to Drizzle: its relational queries (`db.query`) are not used, and with a
// schema every session would build their configuration from every table again.
export type Database = DrizzleD1Database;

/** A Drizzle database bound to one D1 session, with the session's latest bookmark. */
export interface SessionDatabase {
  db: Database;
  /** The bookmark after the session's last query (`null` before any). */
  bookmark(): string | null;
}

// D1's bookmark format (four dash-separated hex groups); anything else is ignored, not sent to D1.
const BOOKMARK_SYNTAX = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/**
 * The newest of some bookmarks, ignoring any that is not D1's format. D1 documents bookmarks
 * as lexicographically sortable, oldest to newest.
 */
export function newestBookmark(...bookmarks: (string | null | undefined)[]): string | null {
  let newest: string | null = null;
  for (const bookmark of bookmarks) {
    if (bookmark && BOOKMARK_SYNTAX.test(bookmark) && (newest === null || bookmark > newest))
      newest = bookmark;
  }
  return newest;
}

function sessionDatabase(session: D1DatabaseSession): SessionDatabase {
  return {
    db: drizzle(session as unknown as D1Database),
    bookmark: () => session.getBookmark(),
  };
}

/**
 * A session for reads: any replica, or one at least as new as the newest well-formed bookmark
 * given (the caller's `x-d1-bookmark`, the last write seen here), so that no read is older than
 * a write its caller or this instance knows of.
 */
export function openReadSession(
  d1: D1Database,
  ...bookmarks: (string | null | undefined)[]
): SessionDatabase {
  return sessionDatabase(d1.withSession(newestBookmark(...bookmarks) ?? "first-unconstrained"));
}

/** A session whose first query goes to the primary: for writes, and reads that must be current. */
export function openPrimarySession(d1: D1Database): SessionDatabase {
  return sessionDatabase(d1.withSession("first-primary"));
}

/**
 * Statements that open and end every batch of a {@link openFramedSession} that writes, in the same
 * atomic batch, and what is done with the results of the ending ones.
 */
export interface BatchFrame {
  /** The statements that open the batch, prepared on its session. */
  open(session: D1DatabaseSession): D1PreparedStatement[];
  /** The statements that end it, and what takes their results (not returned to the caller). */
  close(session: D1DatabaseSession): BatchEnding;
}

export interface BatchEnding {
  statements: D1PreparedStatement[];
  read(results: D1Result[]): void;
}

/** One frame made of several: their openings in order, then their endings in order. */
export function combineFrames(...frames: BatchFrame[]): BatchFrame {
  return {
    open: (session) => frames.flatMap((frame) => frame.open(session)),
    close: (session) => {
      const endings = frames.map((frame) => frame.close(session));
      return {
        statements: endings.flatMap((ending) => ending.statements),
        read: (results) => {
          let at = 0;
          for (const ending of endings) {
            ending.read(results.slice(at, at + ending.statements.length));
            at += ending.statements.length;
          }
        },
      };
    },
  };
}

type Execution = "run" | "all" | "raw" | "first";
// Drizzle writes every read as `select …`; anything else may write.
const READ = /^\s*select\b/i;

/**
 * A session on the primary whose every batch that writes runs inside `frame`: its opening
 * statements first, its ending ones last, in the same atomic batch; the caller's statements
 * answer as usual. A batch of reads only runs as it is. A write run outside a batch runs as a
 * batch of its own, framed the same way, so no write escapes the frame.
 */
export function openFramedSession(d1: D1Database, frame: BatchFrame): SessionDatabase {
  const session = d1.withSession("first-primary");
  const reads = new WeakSet<D1PreparedStatement>();
  const batch = async <T>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> => {
    if (statements.every((statement) => reads.has(statement))) return session.batch<T>(statements);
    const opening = frame.open(session);
    const ending = frame.close(session);
    const results = await session.batch<T>([...opening, ...statements, ...ending.statements]);
    ending.read(results.slice(opening.length + statements.length));
    return results.slice(opening.length, opening.length + statements.length);
  };
  // Prepared statements stay the binding's own objects, which is what `batch` requires; a
  // write's executions are replaced by a framed batch of one.
  const framed = (statement: D1PreparedStatement, read: boolean): D1PreparedStatement => {
    const bind = statement.bind.bind(statement);
    statement.bind = (...values: unknown[]) => framed(bind(...values), read);
    if (read) {
      reads.add(statement);
      return statement;
    }
    const alone = async () => {
      const [result] = await batch<Record<string, unknown>>([statement]);
      return result?.results ?? [];
    };
    const executions: Record<Execution, (...args: never[]) => Promise<unknown>> = {
      run: async () => (await batch([statement]))[0],
      all: async () => (await batch([statement]))[0],
      first: async (column?: string) => {
        const [row] = await alone();
        if (row === undefined) return null;
        return column === undefined ? row : (row[column] ?? null);
      },
      raw: async (options?: { columnNames?: boolean }) => {
        const rows = await alone();
        const values = rows.map((row) => Object.values(row));
        return options?.columnNames ? [Object.keys(rows[0] ?? {}), ...values] : values;
      },
    };
    Object.assign(statement, executions);
    return statement;
  };
  const wrapped = {
    prepare: (query: string) => framed(session.prepare(query), READ.test(query)),
    batch,
    getBookmark: () => session.getBookmark(),
  };
  return sessionDatabase(wrapped as unknown as D1DatabaseSession);
}
