/**
 * Shares one load among callers asking for the same key at the same time, so a burst of misses
 * for one key costs one storage round trip. Each caller still waits under its own deadline.
 */
export class SingleFlight<T> {
  readonly #inflight = new Map<string, { load: Promise<T>; startedAt: number }>();

  /**
   * The running load for `key`, or a new one started with `load`.
   *
   * @param maxAgeMs - A running load older than this is not joined but replaced: a load whose
   *   request was cancelled may never settle, and must not hold later callers of its key hostage.
   */
  run(key: string, load: () => Promise<T>, maxAgeMs: number): Promise<T> {
    const running = this.#inflight.get(key);
    if (running !== undefined && Date.now() - running.startedAt < maxAgeMs) return running.load;
    const started = load().finally(() => {
      if (this.#inflight.get(key)?.load === started) this.#inflight.delete(key);
    });
    this.#inflight.set(key, { load: started, startedAt: Date.now() });
    return started;
  }

  /** Lets the next caller for `key` start a new load (after a write changed what it would read). */
  forget(key: string): void {
    this.#inflight.delete(key);
  }
}
