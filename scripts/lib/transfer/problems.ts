/**
 * What is wrong with an import file, line by line: every problem is counted, the first ones
 * (by line) are kept for the report, so that a file wrong on every line costs no memory.
 */

/** How many problems the report lists. */
export const REPORTED_PROBLEMS = 20;
const SHOWN_VALUE_LENGTH = 60;

export interface Problem {
  /** The line of the file (1-based; for a CSV record, the line it starts on). */
  line: number;
  reason: string;
}

export class Problems {
  readonly #first: Problem[] = [];
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(line: number, reason: string): void {
    this.#count++;
    const first = this.#first;
    const last = first.at(-1);
    if (first.length >= REPORTED_PROBLEMS && last !== undefined && last.line <= line) return;
    // After every problem of the same line or before it: a line's problems keep their order.
    let at = first.length;
    while (at > 0 && (first[at - 1]?.line ?? 0) > line) at--;
    first.splice(at, 0, { line, reason });
    if (first.length > REPORTED_PROBLEMS) first.pop();
  }

  /** The report: the first problems by line, then how many there are in all. */
  report(file: string): string {
    const lines = this.#first.map((problem) => `  line ${problem.line}: ${problem.reason}`);
    const more = this.#count - this.#first.length;
    if (more > 0) lines.push(`  … and ${more.toLocaleString("en-US")} more`);
    const total = `${this.#count.toLocaleString("en-US")} problem${this.#count === 1 ? "" : "s"}`;
    return `${file}: ${total}; nothing was written.\n${lines.join("\n")}`;
  }
}

/** A value as a report shows it: JSON (quoted, escaped), shortened when long. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_VALUE_LENGTH ? `${text.slice(0, SHOWN_VALUE_LENGTH - 1)}…` : text;
}
