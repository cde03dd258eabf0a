/**
 * The SQL of the outbox: the opening and ending of every write's batch (who writes, and which of
 * its events some subscription wants), the sweep's reads, and the retention.
 */

import type { BatchFrame } from "../db/client";
import type { EventRecord } from "../domain/event";
import { eventRecord, type StoredEvent } from "../domain/event";

/** An event in the outbox, with the subscriptions that want it now. */
export interface PendingEvent {
  seq: number;
  event: EventRecord;
  webhooks: string[];
}

// An event's columns, and the enabled subscriptions whose patterns name its type (as the outbox
// trigger of migrations/0006_events_recorded.sql decides), as a JSON array of names.
const PENDING_COLUMNS = `o.event_seq AS seq, e.id AS id, e.at AS at, e.type AS type, e.actor AS actor,
  e.chat_id AS chat_id, e.client_id AS client_id, e.session_id AS session_id, e.before AS before, e.after AS after,
  (SELECT json_group_array(w.name) FROM webhooks AS w WHERE w.disabled_at IS NULL AND EXISTS (
    SELECT 1 FROM json_each(w.events) AS p WHERE p.value = '*' OR p.value = e.type
      OR (p.value LIKE '%.*' AND substr(e.type, 1, length(p.value) - 1) = substr(p.value, 1, length(p.value) - 1))
  )) AS webhooks
  FROM event_outbox AS o JOIN events AS e ON e.seq = o.event_seq`;

const SET_ACTOR = "INSERT INTO event_context (actor, after_seq) SELECT ?, coalesce(max(seq), 0) FROM events";
const READ_BATCH_PENDING = `SELECT ${PENDING_COLUMNS}
  WHERE o.event_seq > (SELECT after_seq FROM event_context) ORDER BY o.event_seq LIMIT ?`;
const CLEAR_ACTOR = "DELETE FROM event_context";

const READ_PENDING = `SELECT ${PENDING_COLUMNS}
  WHERE o.event_seq > ? AND e.at < ? ORDER BY o.event_seq LIMIT ?`;
const MARK_QUEUED = "DELETE FROM event_outbox WHERE event_seq IN (SELECT value FROM json_each(?))";
const DELETE_EXPIRED =
  "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < ? ORDER BY seq LIMIT ?)";

interface PendingRow extends StoredEvent {
  seq: number;
  webhooks: string;
}

function pendingOf(rows: readonly PendingRow[]): PendingEvent[] {
  return rows.map((row) => ({
    seq: row.seq,
    event: eventRecord(row),
    webhooks: JSON.parse(row.webhooks) as string[],
  }));
}

/**
 * The frame of every batch of a write: it names the actor the event triggers record, and reads
 * back, in the same batch, the events of the batch that some subscription wants (at most
 * `limit`; the rest stay for the sweep), passed to `pending`.
 */
export function recordingFrame(
  actor: string,
  limit: number,
  pending: (events: PendingEvent[]) => void,
): BatchFrame {
  return {
    open: (session) => [session.prepare(SET_ACTOR).bind(actor)],
    close: (session) => ({
      statements: [session.prepare(READ_BATCH_PENDING).bind(limit), session.prepare(CLEAR_ACTOR)],
      read: ([rows]) => pending(pendingOf((rows?.results ?? []) as PendingRow[])),
    }),
  };
}

/** The events in the outbox after `afterSeq` recorded before `before` (epoch ms), oldest first. */
export async function readPending(
  db: D1Database | D1DatabaseSession,
  afterSeq: number,
  before: number,
  limit: number,
): Promise<PendingEvent[]> {
  const { results } = await db.prepare(READ_PENDING).bind(afterSeq, before, limit).all<PendingRow>();
  return pendingOf(results);
}

/** Takes events out of the outbox: they are on the queue (or no subscription wants them any more). */
export async function markQueued(db: D1Database | D1DatabaseSession, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  await db.prepare(MARK_QUEUED).bind(JSON.stringify(seqs)).run();
}

/** Deletes up to `limit` of the oldest events recorded before `before`; answers how many. */
export async function deleteExpiredEvents(
  db: D1Database | D1DatabaseSession,
  before: number,
  limit: number,
): Promise<number> {
  const { meta } = await db.prepare(DELETE_EXPIRED).bind(before, limit).run();
  return meta.changes;
}
