/**
 * The way from a committed event to the delivery queue. Every event some subscription wants is
 * put in the outbox by a trigger, in the write's own transaction; right after the write commits,
 * the instance that made it sends those events to the queue and takes them out. What a crash (or
 * a failed send) leaves in the outbox, a sweep sends: the Cron Trigger's, and each instance's
 * first when it starts. Delivery is therefore at least once: receivers de-duplicate by event id.
 */
import type { BatchFrame } from "../db/client";
import type { EventRecord } from "../domain/event";
import { describeError, logEvent } from "../lib/log";
import type { RequestScope } from "../lib/request-scope";
import {
  deleteExpiredEvents,
  markQueued,
  type PendingEvent,
  readPending,
  recordingFrame,
} from "./outbox.repository";
import type { DeliveryPolicy } from "./policy";

/** A queue message: one event for one subscription. */
export interface Delivery {
  webhook: string;
  event: EventRecord;
}

/** What the outbox uses of the delivery queue's producer binding. */
export interface DeliveryQueue {
  sendBatch(messages: MessageSendRequest<Delivery>[]): Promise<unknown>;
}

export interface EventOutboxOptions {
  db: D1Database;
  /** The delivery queue (its producer binding). */
  queue: DeliveryQueue;
  policy: DeliveryPolicy;
  /**
   * Test-only (`TEST_HOLD_QUEUE_SEND`): events stay in the outbox after their write, as if the
   * instance had crashed between the commit and the send; only a sweep sends them.
   */
  holdSends?: boolean;
}

// A queue takes at most 100 messages and 256 KB per sendBatch.
const MESSAGES_PER_SEND = 100;
const BYTES_PER_SEND = 200_000;

export class EventOutbox {
  readonly #db: D1Database;
  readonly #queue: DeliveryQueue;
  readonly #policy: DeliveryPolicy;
  readonly #holdSends: boolean;

  constructor(options: EventOutboxOptions) {
    this.#db = options.db;
    this.#queue = options.queue;
    this.#policy = options.policy;
    this.#holdSends = options.holdSends ?? false;
  }

  /**
   * The frame of every batch of a write by `actor`: the triggers record it as the events' actor,
   * and the events some subscription wants are passed to `pending` as each batch commits.
   */
  frame(actor: string, pending: (events: PendingEvent[]) => void): BatchFrame {
    return recordingFrame(actor, this.#policy.outboxPage, pending);
  }

  /** After a write committed: its pending events go to the queue, in the background. */
  sendAfterCommit(request: RequestScope, pending: readonly PendingEvent[]): void {
    if (pending.length === 0) return;
    if (this.#holdSends) {
      logEvent("warn", "events.send_held", { requestId: request.requestId, events: pending.length });
      return;
    }
    request.waitUntil(
      this.#send(pending).catch((error: unknown) => {
        // They stay in the outbox: the next sweep sends them.
        logEvent("error", "events.queue_failed", {
          requestId: request.requestId,
          events: pending.length,
          error: describeError(error),
        });
      }),
    );
  }

  /**
   * Sends every event still in the outbox that was recorded before `before` (epoch ms), page by
   * page, up to the policy's number of pages; answers how many events left the outbox.
   */
  async sweep(request: RequestScope, before: number): Promise<number> {
    let afterSeq = 0;
    let sent = 0;
    try {
      for (let page = 0; page < this.#policy.sweepPages; page++) {
        const pending = await readPending(this.#db, afterSeq, before, this.#policy.outboxPage);
        if (pending.length > 0) await this.#send(pending);
        sent += pending.length;
        const last = pending.at(-1);
        if (last === undefined || pending.length < this.#policy.outboxPage) break;
        afterSeq = last.seq;
      }
    } catch (error) {
      logEvent("error", "events.sweep_failed", { requestId: request.requestId, error: describeError(error) });
    }
    if (sent > 0) logEvent("info", "events.swept", { requestId: request.requestId, events: sent });
    return sent;
  }

  /** Deletes the events recorded before `before` (epoch ms), page by page; answers how many. */
  async deleteExpired(request: RequestScope, before: number): Promise<number> {
    let deleted = 0;
    try {
      for (let page = 0; page < this.#policy.retentionPages; page++) {
        const count = await deleteExpiredEvents(this.#db, before, this.#policy.retentionPage);
        deleted += count;
        if (count < this.#policy.retentionPage) break;
      }
    } catch (error) {
      logEvent("error", "events.retention_failed", {
        requestId: request.requestId,
        error: describeError(error),
      });
    }
    if (deleted > 0) logEvent("info", "events.expired", { requestId: request.requestId, events: deleted });
    return deleted;
  }

  /** Sends one message per event and subscription, then takes the events out of the outbox. */
  async #send(pending: readonly PendingEvent[]): Promise<void> {
    const messages = pending.flatMap(({ event, webhooks }) =>
      webhooks.map((webhook): MessageSendRequest<Delivery> => ({ body: { webhook, event } })),
    );
    for (const chunk of chunks(messages)) await this.#queue.sendBatch(chunk);
    await markQueued(
      this.#db,
      pending.map((entry) => entry.seq),
    );
  }
}

/** Messages in groups a single `sendBatch` takes. */
function* chunks(
  messages: readonly MessageSendRequest<Delivery>[],
): Generator<MessageSendRequest<Delivery>[]> {
  let chunk: MessageSendRequest<Delivery>[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = JSON.stringify(message.body).length + 100;
    if (chunk.length > 0 && (chunk.length === MESSAGES_PER_SEND || bytes + size > BYTES_PER_SEND)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
