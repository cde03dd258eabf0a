/**
 * A small in-memory cache for one Worker instance: entries expire after a TTL and the least
 * recently used ones are dropped beyond a bound, so memory stays flat whatever callers send.
 */
export interface MemoryCacheOptions {
  /** How long an entry is served, in milliseconds. */
  ttlMs: number;
  /** How many entries are kept at most. */
  maxEntries: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export class MemoryCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #options: MemoryCacheOptions;

  constructor(options: MemoryCacheOptions) {
    this.#options = options;
  }

  /** The live entry for `key`, or `undefined` when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Re-insert so that Map order is least recently used first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: Date.now() + this.#options.ttlMs });
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
