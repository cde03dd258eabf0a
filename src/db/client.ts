/**
 * Drizzle over D1, always through the D1 Sessions API: reads may be served by a nearby read
 * replica (when the database has read replication on), writes go to the primary, and a
 * bookmark carries "at least as new as this write" from a write to later reads.
 *
 * Drizzle's D1 driver expects a `D1Database`; a `D1DatabaseSession` offers the part of it the
 * driver uses (`prepare` and `batch`). That adaptation lives here and nowhere else.
 */
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = DrizzleD1Database<typeof schema>;

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
    db: drizzle(session as unknown as D1Database, { schema }),
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

/** Statements that end every batch of a {@link openClosingSession}, and what is done with their results. */
export interface BatchEnding {
  /** The statements, prepared on the session they will run in. */
  statements(session: D1DatabaseSession): D1PreparedStatement[];
  /** Takes the results of those statements (they are not returned to the caller). */
  read(results: D1Result[]): void;
}

/**
 * A session on the primary whose every batch ends with `ending`'s statements, in the same atomic
 * batch; the caller's statements answer as usual. {@link ClosingSession.close} runs them on their
 * own when a statement ran outside a batch since the last batch, so they always see the end.
 */
export interface ClosingSession extends SessionDatabase {
  close(): Promise<void>;
}

const EXECUTIONS = ["run", "all", "raw", "first"] as const;

export function openClosingSession(d1: D1Database, ending: BatchEnding): ClosingSession {
  const session = d1.withSession("first-primary");
  let outsideBatch = false;
  // Statements run on their own are noted; prepared ones stay the binding's own objects, which
  // is what `batch` requires.
  const noted = (statement: D1PreparedStatement): D1PreparedStatement => {
    const bind = statement.bind.bind(statement);
    statement.bind = (...values: unknown[]) => noted(bind(...values));
    for (const name of EXECUTIONS) {
      const execute = (statement[name] as (...args: unknown[]) => Promise<unknown>).bind(statement);
      Object.assign(statement, {
        [name]: (...args: unknown[]) => {
          outsideBatch = true;
          return execute(...args);
        },
      });
    }
    return statement;
  };
  const batch = async <T>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> => {
    const results = await session.batch<T>([...statements, ...ending.statements(session)]);
    outsideBatch = false;
    ending.read(results.slice(statements.length));
    return results.slice(0, statements.length);
  };
  const closing = {
    prepare: (query: string) => noted(session.prepare(query)),
    batch,
    getBookmark: () => session.getBookmark(),
  };
  return {
    ...sessionDatabase(closing as unknown as D1DatabaseSession),
    close: async () => {
      if (outsideBatch) await batch([]);
    },
  };
}
