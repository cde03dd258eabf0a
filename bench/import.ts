/**
 * `npm run bench:import` (or `node bench/import.ts`): the import of 1,000,000 conversations over
 * 100,000 clients into a throwaway local D1, run as a user runs it (`npm run import -- FILE
 * --persist-to DIR`), then the same file again (nothing changes), and what D1 stores per
 * conversation and per alias, indexes included (bench/import-capacity.ts says how), and the
 * import's memory for files of growing length (bench/import-memory.ts). Writes
 * bench/results/import.md; `--keep-data` keeps the temporary directory; `--memory` runs only the
 * memory runs (under a minute) and replaces their section of the page.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  conversationsPerDatabase,
  leanSchemaSizes,
  measureLocalD1,
  perRow,
  randomOrderSizes,
  type Sizes,
} from "./import-capacity.ts";
import { type MemoryBenchResult, memorySection, runImportMemoryBench } from "./import-memory.ts";
import { CLIENTS, type Generated, SESSIONS, timeImport, writeDataFile } from "./lib/import-data.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONVERSATIONS = 1_000_000;

export interface ImportBenchResult {
  conversations: number;
  lines: number;
  fileBytes: number;
  seconds: number;
  cpuSeconds: number;
  /** Peak resident memory of the import's Node process, MB. */
  peakRssMb: number;
  rowsPerSecond: number;
  /** The machine's load averages when the timed import started. */
  loadBefore: number[];
  rerunSeconds: number;
  rerunCpuSeconds: number;
  rerunPeakRssMb: number;
  importOutput: string;
  rerunOutput: string;
  emptyBytes: number;
  imported: Sizes;
  randomOrder: Sizes;
  lean: Sizes;
  memory: MemoryBenchResult;
}

/** Generates the data, imports it twice, measures the database, and answers the figures. */
export async function runImportBench(keepData = false): Promise<ImportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "csl-bench-import-"));
  try {
    const file = join(dir, "conversations.ndjson");
    const empty = join(dir, "empty.ndjson");
    const persistTo = join(dir, "state");
    console.error(`Generating ${CONVERSATIONS.toLocaleString("en-US")} conversations…`);
    const all: Generated[] = [];
    const fileBytes = await writeDataFile(file, CONVERSATIONS, (generated) => all.push(generated));
    writeFileSync(empty, "");
    // A migrated, empty database first: the timed run is the import alone.
    timeImport(empty, persistTo);
    const emptyBytes = measureLocalD1(persistTo, join(dir, "empty-copy")).total;
    const loadBefore = loadavg();
    console.error("Importing…");
    const first = timeImport(file, persistTo);
    console.error(`${first.seconds.toFixed(1)} s. Importing the same file again…`);
    const rerun = timeImport(file, persistTo);
    const imported = measureLocalD1(persistTo, join(dir, "imported-copy"));
    console.error("Writing the same rows in random order, for comparison…");
    const randomOrder = randomOrderSizes(all, dir);
    const lean = leanSchemaSizes(all, dir);
    console.error("Measuring the import's memory…");
    const memory = await runImportMemoryBench();
    const lines = all.length;
    const aliases = all.filter((generated) => generated.alias !== null).length;
    return {
      conversations: CONVERSATIONS,
      lines,
      fileBytes,
      seconds: first.seconds,
      cpuSeconds: first.cpuSeconds,
      peakRssMb: first.peakRssMb,
      rowsPerSecond: (lines + aliases) / first.seconds,
      loadBefore,
      rerunSeconds: rerun.seconds,
      rerunCpuSeconds: rerun.cpuSeconds,
      rerunPeakRssMb: rerun.peakRssMb,
      importOutput: first.output,
      rerunOutput: rerun.output,
      emptyBytes,
      imported,
      randomOrder,
      lean,
      memory,
    };
  } finally {
    if (keepData) console.error(`Kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const loads = (values: number[]) => values.map((value) => value.toFixed(2)).join(" / ");
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const n = (value: number) => Math.round(value).toLocaleString("en-US");

function sizeRow(label: string, sizes: Sizes): string {
  const per = perRow(sizes);
  const perDatabase = (aliases: number) =>
    n(conversationsPerDatabase(sizes, aliases, CLIENTS / CONVERSATIONS));
  return `| ${label} | ${mb(sizes.total)} | ${n(per.conversation)} | ${n(per.alias)} | ${n(per.client)} | ${perDatabase(0)} | ${perDatabase(1)} |`;
}

/** The results page, bench/results/import.md. */
export function importReport(result: ImportBenchResult): string {
  const data = ["conversation", "chat_ids", "clients", "events"];
  const rest = [...result.imported.tables].filter(([table]) => !data.includes(table));
  const tables = [
    ...data.map((table) => {
      const size = result.imported.tables.get(table) ?? { bytes: 0, rows: 0 };
      return `| ${table} | ${n(size.rows)} | ${mb(size.bytes)} |`;
    }),
    `| everything else (schema, migrations, tokens, the other events tables) | | ${mb(rest.reduce((sum, [, size]) => sum + size.bytes, 0))} |`,
  ];
  return `# Benchmark: import of 1,000,000 conversations

Written by \`npm run bench:import\` (\`node bench/import.ts\`).

- Date: ${new Date().toISOString()}
- Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown"}), shared with other work: load average ${loads(result.loadBefore)} when the import started, ${loads(loadavg())} at the end
- Node ${process.version}; the import runs as \`node scripts/import.ts FILE --persist-to DIR --quiet\` into a local D1 that was migrated and empty
- Data: ${n(result.conversations)} conversations over ${n(CLIENTS)} clients (${n(SESSIONS)} sessions): 2% groups, 30% of the people with their LID as an alias, 5% without a client, a fifth spelled \`@s.whatsapp.net\`; ${mb(result.fileBytes)} of NDJSON

| Run | wall time | rows / s | CPU time (all its processes) | peak memory (its Node process) |
| --- | ---: | ---: | ---: | ---: |
| import into the empty database | ${result.seconds.toFixed(1)} s | ${n(result.rowsPerSecond)} | ${result.cpuSeconds.toFixed(1)} s | ${result.peakRssMb.toFixed(0)} MB |
| the same file again (changes nothing) | ${result.rerunSeconds.toFixed(1)} s | ${n(result.lines / result.rerunSeconds)} | ${result.rerunCpuSeconds.toFixed(1)} s | ${result.rerunPeakRssMb.toFixed(0)} MB |

Rows are conversations plus aliases written (the second run: lines checked). Wall time is the
whole command: Node, loading wrangler, starting the local D1, reading and checking the file,
planning, writing. CPU time is user and system time of the command and the local workerd it
starts: on a machine the import had to itself, the wall time would lie between half of it (both
cores busy throughout) and all of it; on a shared one, the wall time grows with the load.

\`\`\`text
${result.importOutput}

${result.rerunOutput}
\`\`\`

## What D1 stores

Bytes are SQLite pages (\`dbstat\`), so indexes and the free space inside pages count. The empty,
migrated database is ${n(result.emptyBytes)} bytes.

| Table (with its indexes) | rows | size |
| --- | ---: | ---: |
${tables.join("\n")}

| Database | size | bytes / conversation | bytes / alias | bytes / client | conversations in 10 GB, no aliases | conversations in 10 GB, one alias each |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${sizeRow("the local D1 after this import", result.imported)}
${sizeRow("the same rows, written one by one in random order", result.randomOrder)}
${sizeRow("the same rows, integer conversation keys, `chat_ids` WITHOUT ROWID", result.lean)}

A conversation's bytes include its own entry in \`chat_ids\`; an alias is one more \`chat_ids\`
entry. The 10 GB columns count one client per 10 conversations, as here. The second and third
rows are plain SQLite (Node's \`node:sqlite\`), same file format: the second with this project's
migrations, the third with a leaner schema it could move to. The import records an event per
change (\`events\`, [docs/events.md](../../docs/events.md)), counted apart: the bytes per
conversation above are those of the mapping itself.

${memorySection(result.memory)}`;
}

const REPORT = join(ROOT, "bench", "results", "import.md");

/** Replaces the "## Memory" section of the results page (from its heading to the end). */
function withMemorySection(page: string, section: string): string {
  const at = page.indexOf("## Memory");
  return `${at === -1 ? `${page.trimEnd()}\n\n` : page.slice(0, at)}${section}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      "keep-data": { type: "boolean", default: false },
      memory: { type: "boolean", default: false },
    },
  });
  if (values.memory) {
    // Only the memory runs (under a minute): their section of the page is replaced.
    const section = memorySection(await runImportMemoryBench());
    writeFileSync(REPORT, withMemorySection(readFileSync(REPORT, "utf8"), section));
    console.log(section);
  } else {
    const report = importReport(await runImportBench(values["keep-data"] ?? false));
    writeFileSync(REPORT, report);
    console.log(report);
  }
}
