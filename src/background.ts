/**
 * The Worker's work that no request asks for: the delivery queue's consumer, and the Cron
 * Trigger, which sends what a crash left in the outbox and deletes events past their retention.
 */
import { deliverBatch } from "./delivery/deliver";
import type { RequestScope } from "./lib/request-scope";
import type { Services } from "./request-context";

const DAY_MS = 86_400_000;

function backgroundScope(services: Services, ctx: ExecutionContext): RequestScope {
  return {
    requestId: crypto.randomUUID(),
    deadline: services.clock.now() + services.config.lookupTimeoutMs,
    waitUntil: (work) => ctx.waitUntil(work),
  };
}

/** The queue's consumer: delivers each message to its subscription's receiver. */
export function deliverQueueBatch(services: Services, batch: MessageBatch<unknown>): Promise<void> {
  return deliverBatch(batch, {
    db: services.db,
    clock: services.clock,
    policy: services.delivery,
    ...(services.fetch !== undefined && { fetch: services.fetch }),
  });
}

/**
 * The Cron Trigger: sends the outbox's events that the instance which committed them should
 * have sent by now (a crash, a failed send), then deletes events older than `EVENTS_RETENTION_DAYS`.
 */
export async function runScheduled(services: Services, ctx: ExecutionContext): Promise<void> {
  const scope = backgroundScope(services, ctx);
  const now = services.clock.now();
  await services.outbox.sweep(scope, now - services.delivery.sweepAfterMs);
  await services.outbox.deleteExpired(scope, now - services.config.eventsRetentionDays * DAY_MS);
}
