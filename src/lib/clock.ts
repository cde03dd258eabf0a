/**
 * Time as the code sees it: the current time and waits. Everything that expires, times out or
 * waits takes a `Clock`, so that tests step time instead of sleeping.
 */
export interface Clock {
  /** The current time, epoch ms. */
  now(): number;
  /** Resolves after `ms` milliseconds; never, once `signal` aborts (its timer is released). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => clearTimeout(timer), { once: true });
    }),
};
