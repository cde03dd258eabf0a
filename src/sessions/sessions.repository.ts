import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { type SessionStatus, sessions } from "../db/schema";
import type { SessionState } from "../domain/session";

/** A status report: the session, the status it reported, and when (epoch ms, never in the future). */
export interface StatusReport {
  sessionId: string;
  status: SessionStatus;
  at: number;
}

/** A session's stored status, and since when (epoch ms). */
export interface StoredSessionStatus extends SessionState {
  id: string;
  status: SessionStatus;
  since: number;
}

/**
 * Records a status report, in one atomic batch: the newest report by its time wins, and a report
 * as new as the stored one applies too (equal times apply in arrival order); an older one changes
 * nothing. A report of the status the session already has keeps its `since`. The one statement
 * that writes `sessions`: a trigger on it sees every status change.
 *
 * @returns The session's status after the report, whether it applied or not.
 */
export async function recordSessionStatus(db: Database, report: StatusReport): Promise<StoredSessionStatus> {
  const at = new Date(report.at);
  const [, stored] = await db.batch([
    db
      .insert(sessions)
      .values({ id: report.sessionId, status: report.status, since: at, reportedAt: at })
      .onConflictDoUpdate({
        target: sessions.id,
        set: {
          status: report.status,
          since: sql`CASE WHEN ${sessions.status} = excluded.status THEN ${sessions.since} ELSE excluded.since END`,
          reportedAt: at,
          updatedAt: sql`(unixepoch() * 1000)`,
        },
        setWhere: sql`excluded.reported_at >= ${sessions.reportedAt}`,
      }),
    db
      .select({ id: sessions.id, status: sessions.status, since: sessions.since })
      .from(sessions)
      .where(eq(sessions.id, report.sessionId)),
  ]);
  const row = stored[0];
  if (row === undefined) throw new Error("the session status write left no row");
  return { id: row.id, status: row.status, since: row.since.getTime() };
}

/** A session as `GET /api/sessions` lists it: its state and how many clients it serves. */
export interface ListedSession extends SessionState {
  id: string;
  clients: number;
}

interface ListedRow {
  id: string;
  status: SessionStatus | null;
  since: number | null;
  clients: number;
}

/**
 * Every session known, by id: those clients name and those that reported a status, with their
 * status (none when never reported) and number of clients. `visible` narrows the list to those
 * sessions (a session-limited token's); `null` lists all.
 */
export async function listSessions(
  db: Database,
  visible: readonly string[] | null,
): Promise<ListedSession[]> {
  const limit =
    visible === null
      ? sql``
      : sql`WHERE known.id IN (SELECT value FROM json_each(${JSON.stringify(visible)}))`;
  const rows = await db.all<ListedRow>(sql`
    SELECT known.id AS id, sessions.status AS status, sessions.since AS since,
      (SELECT count(*) FROM clients WHERE clients.session_id = known.id) AS clients
    FROM (SELECT session_id AS id FROM clients UNION SELECT id FROM sessions) AS known
    LEFT JOIN sessions ON sessions.id = known.id
    ${limit}
    ORDER BY known.id`);
  return rows.map((row) => ({
    id: row.id,
    status: row.status ?? "UNKNOWN",
    since: row.status === null ? null : row.since,
    clients: row.clients,
  }));
}
