/**
 * Reads an import file into records: every line checked, each problem noted at its line.
 * The format is the extension's (`.csv`; `.ndjson`, `.jsonl`, `.json`), or else the content's:
 * a first non-blank line that starts with `{` is NDJSON, anything else CSV.
 */
import { open, stat } from "node:fs/promises";
import { extname } from "node:path";
import { type CsvOutcome, CsvReader } from "./csv.ts";
import { parseNdjsonLine } from "./ndjson.ts";
import type { Problems } from "./problems.ts";
import { Progress } from "./progress.ts";
import { MAX_LINE_BYTES, readLines, TOO_LONG } from "./read-lines.ts";
import { type ImportRecord, toRecord } from "./records.ts";

export type FileFormat = "ndjson" | "csv";

const SNIFFED_BYTES = 4096;

/** The format of the file at `path`, by its extension or its first bytes. */
export async function formatOf(path: string): Promise<FileFormat> {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  if ([".ndjson", ".jsonl", ".json"].includes(extension)) return "ndjson";
  const file = await open(path, "r");
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(SNIFFED_BYTES), 0, SNIFFED_BYTES, 0);
    const head = buffer
      .subarray(0, bytesRead)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
    const first = head.trimStart();
    return first === "" || first.startsWith("{") ? "ndjson" : "csv";
  } finally {
    await file.close();
  }
}

export interface FileContents {
  format: FileFormat;
  /** Valid records, each passed to the sink. */
  records: number;
  /** Lines in the file, blank ones included. */
  lines: number;
}

/**
 * Reads and checks every line of `path`, a batch of lines at a time: problems go to `problems`,
 * each valid record to `sink` as it is read. Nothing of the file is kept here.
 */
export async function readImportFile(
  path: string,
  problems: Problems,
  showProgress: boolean,
  sink: (record: ImportRecord) => void,
): Promise<FileContents> {
  const format = await formatOf(path);
  const { size } = await stat(path);
  const progress = new Progress("reading", "lines", showProgress);
  const csv = format === "csv" ? new CsvReader() : undefined;
  let records = 0;
  let lines = 0;
  let bytes = 0;

  const take = (line: number, fields: Record<string, unknown>) => {
    const result = toRecord(line, fields);
    if ("record" in result) {
      sink(result.record);
      records++;
    } else for (const reason of result.reasons) problems.add(line, reason);
  };
  const takeCsv = (outcome: CsvOutcome) => {
    if (outcome.kind === "record") take(outcome.line, outcome.fields);
    else if (outcome.kind === "problem") problems.add(outcome.line, outcome.reason);
  };

  for await (const batch of readLines(path)) {
    for (const [i, text] of batch.lines.entries()) {
      const line = batch.first + i;
      if (text === null) {
        problems.add(line, "not valid UTF-8");
        continue;
      }
      if (text === TOO_LONG) {
        problems.add(
          line,
          `longer than ${MAX_LINE_BYTES.toLocaleString("en-US")} bytes: not one conversation`,
        );
        continue;
      }
      if (csv !== undefined) {
        takeCsv(csv.push(line, text));
        continue;
      }
      if (text.trim() === "") continue;
      const parsed = parseNdjsonLine(text);
      if ("fields" in parsed) take(line, parsed.fields);
      else problems.add(line, parsed.reason);
    }
    lines = batch.first + batch.lines.length - 1;
    bytes += batch.bytes;
    progress.update(lines, size > 0 ? bytes / size : 1);
  }
  if (csv !== undefined) takeCsv(csv.end());
  progress.finish();
  return { format, records, lines };
}
