/**
 * Shares fresh reads of one key without ever answering from a read that started before the
 * caller asked: a caller that arrives while a read of its key runs waits for the next one, which
 * starts when that one ends and is shared by everyone who arrived meanwhile. However many
 * callers ask at once, at most two reads of a key are under way (one running, one waiting).
 */
export class NextRead<V> {
  readonly #running = new Map<string, Promise<V>>();
  readonly #next = new Map<string, Promise<V>>();

  /** A read of `key` that starts now, or the next one if a read of `key` is running. */
  run(key: string, read: () => Promise<V>): Promise<V> {
    const next = this.#next.get(key);
    if (next !== undefined) return next;
    const running = this.#running.get(key);
    if (running === undefined) return this.#start(key, read);
    const queued = running
      .catch(() => undefined)
      .then(() => {
        this.#next.delete(key);
        return this.#start(key, read);
      });
    this.#next.set(key, queued);
    return queued;
  }

  #start(key: string, read: () => Promise<V>): Promise<V> {
    const started = read();
    this.#running.set(key, started);
    const done = () => {
      if (this.#running.get(key) === started) this.#running.delete(key);
    };
    started.then(done, done);
    return started;
  }
}
