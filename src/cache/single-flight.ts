/**
 * Shares one load among callers asking for the same key at the same time, so a burst of misses
 * for one key costs one storage round trip. Each caller still waits under its own deadline.
 */
export class SingleFlight<T> {
  readonly #inflight = new Map<string, Promise<T>>();

  /** The running load for `key`, or a new one started with `load`. */
  run(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.#inflight.get(key);
    if (running !== undefined) return running;
    const started = load().finally(() => {
      if (this.#inflight.get(key) === started) this.#inflight.delete(key);
    });
    this.#inflight.set(key, started);
    return started;
  }

  /** Lets the next caller for `key` start a new load (after a write changed what it would read). */
  forget(key: string): void {
    this.#inflight.delete(key);
  }
}
