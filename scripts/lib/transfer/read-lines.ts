/**
 * The lines of a file, streamed in batches, each decoded as UTF-8 or marked as not UTF-8 (so
 * that a broken byte is reported at its line, not replaced). A leading byte order mark and the
 * `\r` of CRLF line ends are dropped.
 */
import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";

/** Consecutive lines of the file: `lines[i]` is line `first + i`, `null` when not UTF-8. */
export interface LineBatch {
  first: number;
  lines: (string | null)[];
  /** Bytes of the file this batch covers, line ends included. */
  bytes: number;
}

const NEWLINE = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function* readLines(path: string): AsyncGenerator<LineBatch> {
  let next = 1;
  let carry: Buffer = Buffer.alloc(0);
  let start = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    let data = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
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
      carry = data;
      continue;
    }
    const batch = decode(data.subarray(0, end), next);
    carry = Buffer.from(data.subarray(end + 1));
    next += batch.lines.length;
    yield { ...batch, bytes: end + 1 };
  }
  if (carry.length > 0) yield { ...decode(carry, next), bytes: carry.length };
}

function decode(region: Buffer, first: number): Omit<LineBatch, "bytes"> {
  if (isUtf8(region)) return { first, lines: region.toString("utf8").split("\n").map(dropCr) };
  const lines: (string | null)[] = [];
  let from = 0;
  for (;;) {
    const to = region.indexOf(NEWLINE, from);
    const line = region.subarray(from, to === -1 ? region.length : to);
    lines.push(isUtf8(line) ? dropCr(line.toString("utf8")) : null);
    if (to === -1) return { first, lines };
    from = to + 1;
  }
}

function dropCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
