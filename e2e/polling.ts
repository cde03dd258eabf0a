/**
 * Waiting for a condition over HTTP, up to a bound the product promises (such as "within
 * MEMORY_CACHE_TTL_MS"), never a fixed sleep: the bound is the contract, and how soon the
 * condition held is reported, not asserted.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface PollOptions {
  /** The promise: the condition must hold for a probe sent within this many ms of `since`. */
  withinMs: number;
  /** The pause between two probes. */
  everyMs: number;
  /** What the bound counts from (epoch ms), such as the moment a write answered; default: now. */
  since?: number;
}

/** The value that met the condition, and how long after `since` its probe was sent. */
export interface Polled<T> {
  value: T;
  afterMs: number;
}

/**
 * Runs `probe` until its value meets `accept`, and answers that value.
 *
 * @param what - What is awaited, in words, for the error message.
 * @throws When no probe sent within `withinMs` of `since` met it, with the last value seen.
 * @example
 * const { afterMs } = await pollUntil("the new session", () => other.lookUp(chatId),
 *   (answer) => lookupResult(answer) === "abc/new", { withinMs: 10_000, everyMs: 250, since });
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options: PollOptions,
): Promise<Polled<T>> {
  const since = options.since ?? Date.now();
  const deadline = since + options.withinMs;
  for (;;) {
    const sentAt = Date.now();
    const value = await probe();
    if (accept(value)) return { value, afterMs: sentAt - since };
    if (sentAt >= deadline) {
      throw new Error(
        `${what}: not within ${options.withinMs} ms; the last probe saw ${JSON.stringify(value)}`,
      );
    }
    await sleep(Math.min(options.everyMs, Math.max(0, deadline - Date.now())));
  }
}
