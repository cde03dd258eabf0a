/**
 * The queue's consumer: each message is one event for one subscription, POSTed to the receiver as
 * Standard Webhooks describe (`webhook-id`, `webhook-timestamp`, `webhook-signature`). A 2xx
 * answer delivers it; 410 Gone disables the subscription; anything else, a redirect included (none
 * is followed), or no answer within the timeout, is retried after a growing delay, and after the
 * last attempt the queue moves the message to the dead-letter queue. The receiver's answer body
 * is never read, stored or logged; neither is its URL (it may hold a credential).
 */
import { openPrimarySession } from "../db/client";
import { patternMatches } from "../domain/event";
import type { Clock } from "../lib/clock";
import { logEvent } from "../lib/log";
import type { Delivery } from "./outbox";
import { type DeliveryPolicy, retryDelaySeconds } from "./policy";
import { signature } from "./signature";
import { type DeliveryTarget, disableSubscription, readDeliveryTargets } from "./subscriptions.repository";

export interface DeliveryOptions {
  db: D1Database;
  clock: Clock;
  policy: DeliveryPolicy;
  /** The receivers' `fetch` (tests pass their own). */
  fetch?: typeof fetch;
}

/** How one attempt ended. */
type Outcome = { kind: "delivered" } | { kind: "gone" } | { kind: "failed"; status: number | null };

function isDelivery(body: unknown): body is Delivery {
  if (typeof body !== "object" || body === null) return false;
  const { webhook, event } = body as Partial<Delivery>;
  return (
    typeof webhook === "string" && typeof event === "object" && event !== null && typeof event.id === "string"
  );
}

/** Delivers a batch of the queue's messages, each acknowledged or retried on its own. */
export async function deliverBatch(batch: MessageBatch<unknown>, options: DeliveryOptions): Promise<void> {
  const { db } = openPrimarySession(options.db);
  const targets = await readDeliveryTargets(db);
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = message.body;
      const target = isDelivery(body) ? targets.get(body.webhook) : undefined;
      // Deleted, disabled, or no longer wanting this type since the event was queued: dropped.
      if (
        !isDelivery(body) ||
        target === undefined ||
        target.disabled ||
        !target.events.some((pattern) => patternMatches(pattern, body.event.type))
      ) {
        message.ack();
        return;
      }
      const outcome = await attempt(target, body, options);
      const fields = { webhook: target.name, attempt: message.attempts };
      if (outcome.kind === "delivered") {
        message.ack();
      } else if (outcome.kind === "gone") {
        await disableSubscription(db, target.name);
        logEvent("warn", "webhook.disabled", { ...fields, status: 410 });
        message.ack();
      } else {
        const delaySeconds = retryDelaySeconds(options.policy, message.attempts);
        logEvent("warn", "webhook.delivery_failed", {
          ...fields,
          status: outcome.status,
          retryInSeconds: delaySeconds,
        });
        message.retry({ delaySeconds });
      }
    }),
  );
}

/** One POST of `delivery` to its receiver, cut off after the policy's timeout. */
async function attempt(
  target: DeliveryTarget,
  delivery: Delivery,
  options: DeliveryOptions,
): Promise<Outcome> {
  const { clock, policy } = options;
  const body = JSON.stringify(delivery.event);
  const timestamp = Math.floor(clock.now() / 1000);
  const headers = {
    "Content-Type": "application/json",
    "webhook-id": delivery.event.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signature(target.secret, delivery.event.id, timestamp, body),
  };
  const controller = new AbortController();
  const timedOut = clock.sleep(policy.timeoutMs, controller.signal).then((): Outcome => {
    controller.abort();
    return { kind: "failed", status: null };
  });
  const sent = (options.fetch ?? fetch)(target.url, {
    method: "POST",
    headers,
    body,
    redirect: "manual",
    signal: controller.signal,
  }).then(
    async (response): Promise<Outcome> => {
      // Never read: only its status counts.
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return { kind: "delivered" };
      return response.status === 410 ? { kind: "gone" } : { kind: "failed", status: response.status };
    },
    (error: unknown): Outcome => {
      if (!controller.signal.aborted) {
        // The name only: a message may name the receiver's host.
        logEvent("warn", "webhook.unreachable", { webhook: target.name, error: errorName(error) });
      }
      return { kind: "failed", status: null };
    },
  );
  try {
    return await Promise.race([sent, timedOut]);
  } finally {
    // Releases the timer when the receiver answered in time.
    controller.abort();
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
