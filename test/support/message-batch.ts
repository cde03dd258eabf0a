/**
 * A queue's batch as the runtime hands it to a consumer, recording what the consumer decided for
 * each message: acknowledged, or retried and after what delay.
 */

export interface MessageSpec {
  id: string;
  attempts: number;
  body: unknown;
}

export interface MessageOutcome {
  acked: boolean;
  /** The delay a retry asked for; `undefined` when not retried. */
  retry?: { delaySeconds: number | undefined };
}

export function messageBatch(queue: string, specs: readonly MessageSpec[]) {
  const outcomes = new Map<string, MessageOutcome>();
  const messages = specs.map((spec): Message<unknown> => {
    const outcome: MessageOutcome = { acked: false };
    outcomes.set(spec.id, outcome);
    return {
      id: spec.id,
      timestamp: new Date(),
      attempts: spec.attempts,
      body: spec.body,
      ack: () => {
        outcome.acked = true;
      },
      retry: (options?: QueueRetryOptions) => {
        outcome.retry = { delaySeconds: options?.delaySeconds };
      },
    };
  });
  const batch: MessageBatch<unknown> = {
    queue,
    messages,
    metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
    ackAll: () => {
      for (const outcome of outcomes.values()) outcome.acked = true;
    },
    retryAll: (options?: QueueRetryOptions) => {
      for (const outcome of outcomes.values()) outcome.retry = { delaySeconds: options?.delaySeconds };
    },
  };
  return { batch, outcomes };
}
