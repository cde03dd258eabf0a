/**
 * Progress of a long step on stderr: rows done, rows per second, time left. Shown only on a
 * terminal (and not with `--quiet`): a log or a pipe gets the summary alone.
 */

const REDRAW_MS = 250;

const count = (n: number) => Math.round(n).toLocaleString("en-US");

export class Progress {
  readonly #label: string;
  readonly #unit: string;
  readonly #enabled: boolean;
  readonly #total: number | undefined;
  readonly #started = Date.now();
  #done = 0;
  #fraction = 0;
  #drawnAt = 0;

  /**
   * @param label - What is being done, such as "writing".
   * @param unit - What is counted, such as "rows".
   * @param enabled - False: nothing is ever printed.
   * @param total - How many there are in all, when known in advance.
   */
  constructor(label: string, unit: string, enabled: boolean, total?: number) {
    this.#label = label;
    this.#unit = unit;
    this.#enabled = enabled;
    this.#total = total;
  }

  /**
   * @param done - How many are done so far.
   * @param fraction - How much of the whole work that is (0 to 1), for the time left; by
   *   default `done` of the total.
   */
  update(done: number, fraction?: number): void {
    this.#done = done;
    this.#fraction = fraction ?? (this.#total ? done / this.#total : 0);
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#drawnAt < REDRAW_MS) return;
    this.#drawnAt = now;
    process.stderr.write(`\r\x1b[K${this.#line(now)}`);
  }

  /** Ends the line, if one was drawn. */
  finish(): void {
    if (this.#enabled && this.#drawnAt > 0) process.stderr.write(`\r\x1b[K${this.#line(Date.now())}\n`);
  }

  #line(now: number): string {
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    const of = this.#total === undefined ? "" : ` of ${count(this.#total)}`;
    const parts = [
      `${this.#label}: ${count(this.#done)}${of} ${this.#unit} (${Math.floor(100 * this.#fraction)}%)`,
      `${count(this.#done / seconds)} ${this.#unit}/s`,
    ];
    if (this.#fraction > 0 && this.#fraction < 1) {
      parts.push(`about ${Math.ceil((seconds * (1 - this.#fraction)) / this.#fraction)} s left`);
    }
    return parts.join(", ");
  }
}

/** Whether progress is shown: stderr is a terminal and `--quiet` was not given. */
export function showsProgress(quiet: boolean): boolean {
  return !quiet && process.stderr.isTTY === true;
}
