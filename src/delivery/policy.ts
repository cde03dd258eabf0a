/**
 * How events reach webhook receivers: every bound and delay of the outbox, the queue and the
 * deliveries, in one object. Free of imports: the documentation and the tests read it too.
 */
export interface DeliveryPolicy {
  /** At most this many subscriptions (a 21st is refused). */
  maxSubscriptions: number;
  /** A receiver that has not answered within this is cut off; the delivery is retried. */
  timeoutMs: number;
  /**
   * The wait before each retry, by attempt: the first retry within 30 s, then growing. Its length
   * is the consumer's `max_retries` in wrangler.toml; after the last, the queue sends the message to
   * the dead-letter queue.
   */
  retryDelaysSeconds: readonly number[];
  /** Events read from the outbox at once (after a write, and per round of a sweep). */
  outboxPage: number;
  /** A sweep goes on for at most this many pages; the next sweep takes the rest. */
  sweepPages: number;
  /**
   * The Cron Trigger's sweep leaves events younger than this to the instance that committed
   * them, which sends them right after its write.
   */
  sweepAfterMs: number;
  /** Events deleted at once by the retention. */
  retentionPage: number;
  /** A retention run goes on for at most this many pages; the next run takes the rest. */
  retentionPages: number;
}

export const DELIVERY_POLICY: DeliveryPolicy = {
  maxSubscriptions: 20,
  timeoutMs: 15_000,
  // 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h: about 10.7 hours in all.
  retryDelaysSeconds: [10, 30, 120, 600, 1800, 3600, 10_800, 21_600],
  outboxPage: 500,
  sweepPages: 20,
  sweepAfterMs: 60_000,
  retentionPage: 5000,
  retentionPages: 20,
};

/** The wait before retrying a delivery that failed on its `attempt`-th try (1 for the first). */
export function retryDelaySeconds(policy: DeliveryPolicy, attempt: number): number {
  const delays = policy.retryDelaysSeconds;
  return delays[Math.min(Math.max(attempt, 1), delays.length) - 1] ?? 0;
}
