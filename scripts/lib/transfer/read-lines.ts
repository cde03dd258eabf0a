/**
 * The lines of a file, streamed in batches, each decoded as UTF-8 or marked as not UTF-8 (so
 * that a broken byte is reported at its line, not replaced). A leading byte order mark and the
 * `\r` of CRLF line ends are dropped. A line longer than {@link MAX_LINE_BYTES} is never held:
 * it is skipped to its end and marked {@link TOO_LONG}, so a file without line breaks costs no
 * more memory than any other.
 */
import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";

/** The longest line read: a conversation with hundreds of aliases is far shorter. */
export const MAX_LINE_BYTES = 1 << 20;

/** A line longer than {@link MAX_LINE_BYTES}, in place of its text. */
export const TOO_LONG: unique symbol = Symbol("too long");

/**
 * Consecutive lines of the file: `lines[i]` is line `first + i`, `null` when not UTF-8,
 * {@link TOO_LONG} when too long to read.
 */
export interface LineBatch {
  first: number;
  lines: (string | null | typeof TOO_LONG)[];
  /** Bytes of the file this batch covers, line ends included. */
  bytes: number;
}

const NEWLINE = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function* readLines(path: string): AsyncGenerator<LineBatch> {
  let next = 1;
  let carry: Buffer = Buffer.alloc(0);
  let start = true;
  // Bytes of an over-long line skipped so far, while its end is not yet read.
  let skipping = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    let data = chunk as Buffer;
    if (skipping > 0) {
      const end = data.indexOf(NEWLINE);
      if (end === -1) {
        skipping += data.length;
        continue;
      }
      yield { first: next++, lines: [TOO_LONG], bytes: skipping + end + 1 };
      skipping = 0;
      data = data.subarray(end + 1);
    }
    if (carry.length > 0) data = Buffer.concat([carry, data]);
    if (start) {
      if (data.length < BOM.length && BOM.subarray(0, data.length).equals(data)) {
        carry = data;
        continue;
      }
      if (data.subarray(0, BOM.length).equals(BOM)) data = data.subarray(BOM.length);
      start = false;
    }
    const end = data.lastIndexOf(NEWLINE);
    if (end === -1) {
      if (data.length > MAX_LINE_BYTES) {
        skipping = data.length;
        carry = Buffer.alloc(0);
      } else carry = data;
      continue;
    }
    const batch = decode(data.subarray(0, end), next);
    carry = Buffer.from(data.subarray(end + 1));
    next += batch.lines.length;
    yield { ...batch, bytes: end + 1 };
  }
  if (skipping > 0) yield { first: next, lines: [TOO_LONG], bytes: skipping };
  else if (carry.length > 0) yield { ...decode(carry, next), bytes: carry.length };
}

function decode(region: Buffer, first: number): Omit<LineBatch, "bytes"> {
  if (isUtf8(region)) return { first, lines: region.toString("utf8").split("\n").map(bounded) };
  const lines: (string | null | typeof TOO_LONG)[] = [];
  let from = 0;
  for (;;) {
    const to = region.indexOf(NEWLINE, from);
    const line = region.subarray(from, to === -1 ? region.length : to);
    lines.push(line.length > MAX_LINE_BYTES ? TOO_LONG : isUtf8(line) ? dropCr(line.toString("utf8")) : null);
    if (to === -1) return { first, lines };
    from = to + 1;
  }
}

function bounded(line: string): string | typeof TOO_LONG {
  return line.length > MAX_LINE_BYTES ? TOO_LONG : dropCr(line);
}

function dropCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
