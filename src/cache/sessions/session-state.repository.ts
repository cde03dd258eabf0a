import { inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { sessions } from "../../db/schema";
import { type SessionState, UNKNOWN_SESSION } from "../../domain/session";

/**
 * What is known of each of `ids`, in one query whatever their number (the ids travel as one JSON
 * parameter): the stored status and since when, or `UNKNOWN` for a session never reported.
 */
export async function findSessionStates(
  db: Database,
  ids: readonly string[],
): Promise<Map<string, SessionState>> {
  const rows = await db
    .select({ id: sessions.id, status: sessions.status, since: sessions.since })
    .from(sessions)
    .where(inArray(sessions.id, sql`(select value from json_each(${JSON.stringify(ids)}))`));
  const states = new Map<string, SessionState>(ids.map((id) => [id, UNKNOWN_SESSION]));
  for (const row of rows) states.set(row.id, { status: row.status, since: row.since.getTime() });
  return states;
}
