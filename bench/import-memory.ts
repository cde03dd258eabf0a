/**
 * The import's memory, measured as a user runs it (`node scripts/import.ts FILE --persist-to DIR`):
 * the peak resident memory of the command's Node process (the local D1 runs in a workerd process
 * of its own) for files of growing length into empty databases, and for a file whose one line is
 * far longer than any conversation. An import whose memory is bounded shows about the same peak
 * whatever the file's length. Also what D1 stores per event, from the events the largest import
 * recorded.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureLocalD1 } from "./import-capacity.ts";
import { timeImport, writeDataFile } from "./lib/import-data.ts";

/** The file lengths measured: each run within seconds, the largest in well under a minute. */
export const MEMORY_SIZES = [25_000, 100_000, 200_000] as const;
/** The one line of the last file: as long as a file of about 300,000 conversations. */
const LONG_LINE_BYTES = 30_000_000;
/**
 * The JavaScript heap each measured import gets. Left to itself, V8 lets the heap grow with the
 * garbage of a longer run before it collects, so a peak would grow with the file whatever the
 * import keeps; under a fixed cap, a peak that does not grow is memory that does not grow, and an
 * import that kept its file would fail.
 */
export const HEAP_MB = 192;

export interface MemoryRun {
  label: string;
  lines: number;
  fileBytes: number;
  seconds: number;
  peakRssMb: number;
  outcome: string;
}

export interface MemoryBenchResult {
  runs: MemoryRun[];
  /** What the events of the largest import take in D1, indexes included. */
  events: { rows: number; bytes: number; conversations: number; aliases: number };
}

/** Imports files of each of `sizes` (then one with a single over-long line), each into an empty database. */
export async function runImportMemoryBench(
  sizes: readonly number[] = MEMORY_SIZES,
): Promise<MemoryBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "csl-bench-import-memory-"));
  try {
    const runs: MemoryRun[] = [];
    let events = { rows: 0, bytes: 0, conversations: 0, aliases: 0 };
    for (const [index, size] of sizes.entries()) {
      const file = join(dir, `conversations-${size}.ndjson`);
      const persistTo = join(dir, `state-${size}`);
      let aliases = 0;
      const fileBytes = await writeDataFile(file, size, (generated) => {
        if (generated.alias !== null) aliases++;
      });
      // A migrated, empty database first: the measured run is the import alone.
      writeFileSync(join(dir, "empty.ndjson"), "");
      timeImport(join(dir, "empty.ndjson"), persistTo);
      console.error(`Importing ${size.toLocaleString("en-US")} conversations…`);
      const run = timeImport(file, persistTo, HEAP_MB);
      runs.push({
        label: `${size.toLocaleString("en-US")} conversations`,
        lines: size,
        fileBytes,
        seconds: run.seconds,
        peakRssMb: run.peakRssMb,
        outcome: run.code === 0 ? "imported" : "refused",
      });
      if (index === sizes.length - 1) {
        const measured = measureLocalD1(persistTo, join(dir, "copy"));
        const table = measured.tables.get("events") ?? { rows: 0, bytes: 0 };
        events = { ...table, conversations: size, aliases };
      }
      rmSync(persistTo, { recursive: true, force: true });
      rmSync(file, { force: true });
    }
    const long = join(dir, "one-long-line.ndjson");
    writeFileSync(
      long,
      `{"chat_id":"1@c.us","client_id":null,"aliases":["${"9".repeat(LONG_LINE_BYTES)}"]}\n`,
    );
    console.error("Importing a file of one line of 30 MB…");
    const run = timeImport(long, join(dir, "state-long"), HEAP_MB);
    runs.push({
      label: "one line of 30 MB",
      lines: 1,
      fileBytes: LONG_LINE_BYTES,
      seconds: run.seconds,
      peakRssMb: run.peakRssMb,
      outcome: run.code === 1 ? "refused (line too long)" : "imported",
    });
    return { runs, events };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (value: number) => `${value.toFixed(0)} MB`;
const n = (value: number) => Math.round(value).toLocaleString("en-US");

/** The "Memory" section of bench/results/import.md. */
export function memorySection(result: MemoryBenchResult, date = new Date()): string {
  const { events } = result;
  const rows = result.runs.map(
    (run) =>
      `| ${run.label} | ${(run.fileBytes / 1e6).toFixed(1)} MB | ${run.outcome} | ${run.seconds.toFixed(1)} s | ${mb(run.peakRssMb)} |`,
  );
  return `## Memory

Measured by \`npm run bench:import -- --memory\` (bench/import-memory.ts), ${date.toISOString()}: the
peak resident memory of the import's Node process (\`process.resourceUsage().maxRSS\`, read at its
exit by a preloaded module, bench/peak-rss.ts), each file into an empty local D1, with its
JavaScript heap capped at ${HEAP_MB} MB (\`--max-old-space-size\`): left to itself, V8 lets the heap
grow with a longer run's garbage before it collects, which would hide whether the import keeps
anything. Most of the peak is wrangler's own code and the local D1's client, loaded before the
first line is read. The local D1 itself runs in a workerd process of its own, not counted here.

| File | size | outcome | wall time | peak memory |
| --- | ---: | --- | ---: | ---: |
${rows.join("\n")}

The import keeps what it learns of the file and the database in a SQLite file of its own
(scripts/lib/transfer/scratch.ts, with a 4 MB page cache), so its memory stays about the same
whatever the file's length, and a line over 1 MiB is reported, not read. Before, it held every
line and the union-find over them in memory: about 5.5 times the longest line, 1.8 GB for
2,000,000 lines, and on this data set it failed under the same heap cap at 200,000 lines
(measured once on the import as it was, uncapped: 599 MB at 200,000 lines, against 469 MB now).

What events take: the import of ${n(events.conversations)} conversations (${n(events.aliases)} with an
alias) recorded ${n(events.rows)} events, which take ${mb(events.bytes / 1e6)} in D1 with their indexes:
${n(events.rows === 0 ? 0 : events.bytes / events.rows)} bytes per event.
`;
}
