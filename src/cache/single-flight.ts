/**
 * Shares loads among callers asking for the same keys at the same time, so a burst of misses
 * for one key costs one storage round trip. Each caller still waits under its own deadline.
 */
import type { Clock } from "../lib/clock";

interface Flight<V> {
  load: Promise<Map<string, V>>;
  startedAt: number;
}

export class SingleFlight<V> {
  readonly #inflight = new Map<string, Flight<V>>();
  readonly #clock: Clock;
  readonly #maxAgeMs: number;

  /**
   * @param maxAgeMs - A running load older than this is not joined but replaced: a load whose
   *   request was cancelled may never settle, and must not hold later callers of its key hostage.
   */
  constructor(clock: Clock, maxAgeMs: number) {
    this.#clock = clock;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The running load for `key`, or a new one started with `load`. */
  async run(key: string, load: () => Promise<V>): Promise<V> {
    const loaded = await this.runMany([key], async () => new Map([[key, await load()]]));
    return loaded.get(key) as V;
  }

  /**
   * What `load` answers for each of `keys`: keys with a running load join it, and one new load
   * is started for all the others. A key `load` leaves out of its map is absent from the answer.
   */
  async runMany(
    keys: readonly string[],
    load: (keys: string[]) => Promise<Map<string, V>>,
  ): Promise<Map<string, V>> {
    const now = this.#clock.now();
    const flights = new Set<Promise<Map<string, V>>>();
    const missing: string[] = [];
    for (const key of keys) {
      const running = this.#inflight.get(key);
      if (running !== undefined && now - running.startedAt < this.#maxAgeMs) flights.add(running.load);
      else missing.push(key);
    }
    if (missing.length > 0) {
      const started = load(missing).finally(() => {
        for (const key of missing) if (this.#inflight.get(key)?.load === started) this.#inflight.delete(key);
      });
      for (const key of missing) this.#inflight.set(key, { load: started, startedAt: now });
      flights.add(started);
    }
    const answers = new Map<string, V>();
    for (const loaded of await Promise.all(flights)) {
      for (const key of keys) {
        const value = loaded.get(key);
        if (value !== undefined) answers.set(key, value);
      }
    }
    return answers;
  }

  /** Lets the next caller for `key` start a new load (after a write changed what it would read). */
  forget(key: string): void {
    this.#inflight.delete(key);
  }
}
