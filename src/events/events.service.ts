import { openPrimarySession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import { type EventRecord, eventRecord } from "../domain/event";
import type { RequestContext } from "../request-context";
import { type EventFilter, findEvents } from "./events.repository";

/** A page of the history, newest first, and the cursor of the next (older) page. */
export interface EventPage {
  events: EventRecord[];
  next: string | null;
}

/**
 * The recorded changes of a chat (by any of its ids, across merges), a client, a session, or of
 * everything, newest first. A session-limited token sees only the events of its sessions.
 */
export async function listEvents(
  context: RequestContext,
  query: { filter: EventFilter; limit: number; before: string | undefined },
): Promise<EventPage> {
  const { db } = openPrimarySession(context.db);
  const page = await withTransientRetries(
    () =>
      findEvents(db, {
        filter: query.filter,
        limit: query.limit,
        beforeSeq: query.before === undefined ? null : Number(query.before),
        sessions: context.tokenSessions,
      }),
    context,
  );
  return { events: page.rows.map(eventRecord), next: page.next === null ? null : String(page.next) };
}
