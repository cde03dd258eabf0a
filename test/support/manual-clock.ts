/**
 * A clock that moves only when the test says so: expiries, deadlines, budgets and the settle
 * pass happen exactly when the test steps time past them, never by waiting.
 */
import type { Clock } from "../../src/lib/clock";

interface Sleeper {
  due: number;
  wake: () => void;
}

/** Lets every promise reaction queued so far run (one turn of the event loop). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class ManualClock implements Clock {
  #now: number;
  readonly #sleepers = new Set<Sleeper>();
  #sleepersChanged: (() => void) | undefined;

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    // Nothing to wait for: as a zero-delay timer, it fires without the clock moving.
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = { due: this.#now + Math.max(0, ms), wake: resolve };
      this.#sleepers.add(sleeper);
      signal?.addEventListener("abort", () => this.#sleepers.delete(sleeper), { once: true });
      this.#sleepersChanged?.();
    });
  }

  /** How many waits are pending. */
  get pending(): number {
    return this.#sleepers.size;
  }

  /** Resolves once at least `count` waits are pending: a barrier before stepping time. */
  async waiting(count = 1): Promise<void> {
    while (this.#sleepers.size < count) {
      await new Promise<void>((resolve) => {
        this.#sleepersChanged = resolve;
      });
    }
    this.#sleepersChanged = undefined;
  }

  /** Moves time forward by `ms`, waking each wait that falls due, in order, as it falls due. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      let next: Sleeper | undefined;
      for (const sleeper of this.#sleepers) {
        if (sleeper.due <= target && (next === undefined || sleeper.due < next.due)) next = sleeper;
      }
      if (next === undefined) break;
      this.#sleepers.delete(next);
      this.#now = Math.max(this.#now, next.due);
      next.wake();
      await flush();
    }
    this.#now = target;
    await flush();
  }
}
