/**
 * `npm run bench:import` (or `node bench/import.ts`): the import of 1,000,000 conversations over
 * 100,000 clients into a throwaway local D1, run as a user runs it (`npm run import -- FILE
 * --persist-to DIR`), then the same file again (nothing changes), and what D1 stores per
 * conversation and per alias, indexes included (bench/import-capacity.ts says how). Writes
 * bench/results/import.md; `--keep-data` keeps the temporary directory.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CapacityRow,
  conversationsPerDatabase,
  leanSchemaSizes,
  measureLocalD1,
  perRow,
  randomOrderSizes,
  type Sizes,
} from "./import-capacity.ts";
import { seededRandom } from "./lib/data.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONVERSATIONS = 1_000_000;
const CLIENTS = 100_000;
const SESSIONS = 20_000;

/** One generated conversation: its line of the file, and its rows in canonical form. */
interface Generated extends CapacityRow {
  line: string;
}

/**
 * Conversation `i` of the data set: 2% groups, the rest people (a fifth spelled the Baileys
 * way, some with a device part), 30% of those with their LID as an alias, 5% without a client.
 */
function conversation(i: number, random: () => number): Generated {
  const group = i % 50 === 49;
  const phone = 491_000_000_000 + ((i * 7_919) % 1_000_000_000);
  const lid = 100_000_000_000_000 + ((i * 104_729) % 10 ** 14);
  const chatId = group ? `120363${String(phone).padStart(12, "0")}@g.us` : `${phone}@c.us`;
  const spelled = group
    ? chatId
    : i % 5 === 0
      ? `${phone}@s.whatsapp.net`
      : i % 13 === 0
        ? `${phone}:12@s.whatsapp.net`
        : chatId;
  const alias = !group && i % 10 < 3 ? `${lid}@lid` : null;
  const client = random() < 0.05 ? null : (i * 7) % CLIENTS;
  const clientId = client === null ? null : `client-${String(client).padStart(6, "0")}`;
  const sessionId = client === null ? null : `session-${String(client % SESSIONS).padStart(5, "0")}`;
  const fields = {
    chat_id: spelled,
    client_id: clientId,
    ...(sessionId !== null && { session_id: sessionId }),
    ...(alias !== null && { aliases: [i % 4 === 0 ? alias.replace("@lid", ":3@lid") : alias] }),
  };
  return { line: JSON.stringify(fields), chatId, alias, clientId, sessionId };
}

async function writeDataFile(path: string): Promise<Generated[]> {
  const random = seededRandom(11);
  const out = createWriteStream(path);
  const all: Generated[] = [];
  let buffer: string[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    const generated = conversation(i, random);
    all.push(generated);
    buffer.push(generated.line);
    if (buffer.length === 10_000) {
      if (!out.write(`${buffer.join("\n")}\n`)) await once(out, "drain");
      buffer = [];
    }
  }
  out.end(buffer.length > 0 ? `${buffer.join("\n")}\n` : "");
  await once(out, "finish");
  return all;
}

/** CPU seconds (user and system) of this process's finished children, from /proc (Linux). */
function childrenCpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  // cutime and cstime, fields 16 and 17 of stat(5), in clock ticks (100 a second on Linux).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * Runs `npm run import` the way a user does: its wall time, the CPU time of all its processes
 * (Node and the local workerd), in seconds, and its summary.
 */
function timeImport(
  file: string,
  persistTo: string,
): { seconds: number; cpuSeconds: number; output: string } {
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const output = execFileSync(
    process.execPath,
    [join(ROOT, "scripts", "import.ts"), file, "--persist-to", persistTo, "--quiet"],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, cpuSeconds: childrenCpuSeconds() - cpuBefore, output: output.trim() };
}

export interface ImportBenchResult {
  conversations: number;
  lines: number;
  fileBytes: number;
  seconds: number;
  cpuSeconds: number;
  rowsPerSecond: number;
  /** The machine's load averages when the timed import started. */
  loadBefore: number[];
  rerunSeconds: number;
  rerunCpuSeconds: number;
  importOutput: string;
  rerunOutput: string;
  emptyBytes: number;
  imported: Sizes;
  randomOrder: Sizes;
  lean: Sizes;
}

/** Generates the data, imports it twice, measures the database, and answers the figures. */
export async function runImportBench(keepData = false): Promise<ImportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "csl-bench-import-"));
  try {
    const file = join(dir, "conversations.ndjson");
    const empty = join(dir, "empty.ndjson");
    const persistTo = join(dir, "state");
    console.error(`Generating ${CONVERSATIONS.toLocaleString("en-US")} conversations…`);
    const all = await writeDataFile(file);
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
    const lines = all.length;
    const aliases = all.filter((generated) => generated.alias !== null).length;
    return {
      conversations: CONVERSATIONS,
      lines,
      fileBytes: Buffer.byteLength(all.map((generated) => generated.line).join("\n")) + lines,
      seconds: first.seconds,
      cpuSeconds: first.cpuSeconds,
      rowsPerSecond: (lines + aliases) / first.seconds,
      loadBefore,
      rerunSeconds: rerun.seconds,
      rerunCpuSeconds: rerun.cpuSeconds,
      importOutput: first.output,
      rerunOutput: rerun.output,
      emptyBytes,
      imported,
      randomOrder,
      lean,
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
  const data = ["conversation", "chat_ids", "clients"];
  const rest = [...result.imported.tables].filter(([table]) => !data.includes(table));
  const tables = [
    ...data.map((table) => {
      const size = result.imported.tables.get(table) ?? { bytes: 0, rows: 0 };
      return `| ${table} | ${n(size.rows)} | ${mb(size.bytes)} |`;
    }),
    `| everything else (schema, migrations, tokens) | | ${mb(rest.reduce((sum, [, size]) => sum + size.bytes, 0))} |`,
  ];
  return `# Benchmark: import of 1,000,000 conversations

Written by \`npm run bench:import\` (\`node bench/import.ts\`).

- Date: ${new Date().toISOString()}
- Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown"}), shared with other work: load average ${loads(result.loadBefore)} when the import started, ${loads(loadavg())} at the end
- Node ${process.version}; the import runs as \`node scripts/import.ts FILE --persist-to DIR --quiet\` into a local D1 that was migrated and empty
- Data: ${n(result.conversations)} conversations over ${n(CLIENTS)} clients (${n(SESSIONS)} sessions): 2% groups, 30% of the people with their LID as an alias, 5% without a client, a fifth spelled \`@s.whatsapp.net\`; ${mb(result.fileBytes)} of NDJSON

| Run | wall time | rows / s | CPU time (all its processes) |
| --- | ---: | ---: | ---: |
| import into the empty database | ${result.seconds.toFixed(1)} s | ${n(result.rowsPerSecond)} | ${result.cpuSeconds.toFixed(1)} s |
| the same file again (changes nothing) | ${result.rerunSeconds.toFixed(1)} s | ${n(result.lines / result.rerunSeconds)} | ${result.rerunCpuSeconds.toFixed(1)} s |

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
migrations, the third with a leaner schema it could move to.
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runImportBench(process.argv.includes("--keep-data"));
  const report = importReport(result);
  writeFileSync(join(ROOT, "bench", "results", "import.md"), report);
  console.log(report);
}
