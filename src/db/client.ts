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

// D1 bookmarks are opaque, short, dash-separated hex; anything else is ignored, not sent to D1.
const BOOKMARK_SYNTAX = /^[0-9a-f][0-9a-f-]{0,255}$/i;

function sessionDatabase(session: D1DatabaseSession): SessionDatabase {
  return {
    db: drizzle(session as unknown as D1Database, { schema }),
    bookmark: () => session.getBookmark(),
  };
}

/**
 * A session for reads: any replica, or one at least as new as `bookmark` (from the
 * `x-d1-bookmark` request header) so that a caller reads its own writes.
 */
export function openReadSession(d1: D1Database, bookmark: string | null | undefined): SessionDatabase {
  const constraint = bookmark && BOOKMARK_SYNTAX.test(bookmark) ? bookmark : "first-unconstrained";
  return sessionDatabase(d1.withSession(constraint));
}

/** A session whose first query goes to the primary: for writes, and reads that must be current. */
export function openPrimarySession(d1: D1Database): SessionDatabase {
  return sessionDatabase(d1.withSession("first-primary"));
}
