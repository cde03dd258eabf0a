/**
 * A small in-memory cache for one Worker instance: entries expire after their TTL, and the least
 * recently used ones are dropped beyond a bound on entries and on bytes, so memory stays flat
 * whatever callers send.
 */
import type { Clock } from "../lib/clock";

export interface MemoryCacheOptions {
  /** How many entries are kept at most. */
  maxEntries: number;
  /** Roughly how many bytes keys and values may take at most. */
  maxBytes: number;
  /** The approximate size of a value in bytes. */
  sizeOf: (value: unknown) => number;
  /** What expiry is measured against. */
  clock: Clock;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  bytes: number;
}

/** A bounded, TTL-based LRU map (see the module comment). */
export class MemoryCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #options: MemoryCacheOptions;
  #bytes = 0;

  constructor(options: MemoryCacheOptions) {
    this.#options = options;
  }

  /** The live entry for `key`, or `undefined` when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#options.clock.now()) {
      this.delete(key);
      return undefined;
    }
    // Re-insert so that Map order stays least recently used first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` under `key` for `ttlMs` milliseconds (0 or less: not at all). */
  set(key: string, value: V, ttlMs: number): void {
    this.delete(key);
    if (ttlMs <= 0) return;
    const bytes = key.length * 2 + this.#options.sizeOf(value);
    if (bytes > this.#options.maxBytes) return;
    this.#entries.set(key, { value, expiresAt: this.#options.clock.now() + ttlMs, bytes });
    this.#bytes += bytes;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#options.maxEntries && this.#bytes <= this.#options.maxBytes) break;
      this.delete(oldest);
    }
  }

  /**
   * Gives a live entry a new value, keeping its expiry and its place among the least recently
   * used; does nothing when there is none.
   */
  replace(key: string, value: V): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    const bytes = this.#options.sizeOf(value) + key.length * 2;
    this.#bytes += bytes - entry.bytes;
    this.#entries.set(key, { ...entry, value, bytes });
  }

  /** Forgets `key`, if present. */
  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  /** How many entries and bytes the cache holds now. */
  get usage(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }
}

/** A size estimate for small JSON-like values: two bytes per character of their JSON. */
export function jsonSize(value: unknown): number {
  return value === null || value === undefined ? 8 : JSON.stringify(value).length * 2;
}
