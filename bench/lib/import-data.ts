/**
 * The import benchmark's data and its one way of running an import: conversations generated from
 * a seed, written as NDJSON, and `npm run import` run as a user runs it, timed, its CPU and its
 * peak memory read.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CapacityRow } from "../import-capacity.ts";
import { seededRandom } from "./data.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLIENTS = 100_000;
export const SESSIONS = 20_000;

/** One generated conversation: its line of the file, and its rows in canonical form. */
export interface Generated extends CapacityRow {
  line: string;
}

/**
 * Conversation `i` of the data set: 2% groups, the rest people (a fifth spelled the Baileys
 * way, some with a device part), 30% of those with their LID as an alias, 5% without a client.
 */
export function conversation(i: number, random: () => number): Generated {
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

/**
 * Writes the first `count` conversations of the data set to `path`; `keep` gets each (the
 * capacity runs need them again), or nothing is kept.
 */
export async function writeDataFile(
  path: string,
  count: number,
  keep?: (generated: Generated) => void,
): Promise<number> {
  const random = seededRandom(11);
  const out = createWriteStream(path);
  let bytes = 0;
  let buffer: string[] = [];
  const flush = async () => {
    const text = buffer.length > 0 ? `${buffer.join("\n")}\n` : "";
    bytes += Buffer.byteLength(text);
    buffer = [];
    if (!out.write(text)) await once(out, "drain");
  };
  for (let i = 0; i < count; i++) {
    const generated = conversation(i, random);
    keep?.(generated);
    buffer.push(generated.line);
    if (buffer.length === 10_000) await flush();
  }
  await flush();
  out.end();
  await once(out, "finish");
  return bytes;
}

/** CPU seconds (user and system) of this process's finished children, from /proc (Linux). */
function childrenCpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  // cutime and cstime, fields 16 and 17 of stat(5), in clock ticks (100 a second on Linux).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

export interface TimedImport {
  seconds: number;
  /** CPU time of the command and the local workerd it starts. */
  cpuSeconds: number;
  /** Peak resident memory of the command's Node process, in MB. */
  peakRssMb: number;
  /** Exit code: 0 done, 1 the file had problems. */
  code: number;
  output: string;
}

/**
 * Runs `npm run import` the way a user does (its own Node, `--quiet`), with the bench's preload
 * that reads its peak memory: wall time, the CPU time of all its processes, its peak memory.
 * `heapMb` caps its JavaScript heap (`--max-old-space-size`).
 */
export function timeImport(file: string, persistTo: string, heapMb?: number): TimedImport {
  const rssFile = join(persistTo, "..", `peak-rss-${process.pid}-${Date.now()}`);
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  let code = 0;
  let output: string;
  try {
    output = execFileSync(
      process.execPath,
      [
        ...(heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`]),
        "--import",
        join(ROOT, "bench", "peak-rss.ts"),
        join(ROOT, "scripts", "import.ts"),
        file,
        "--persist-to",
        persistTo,
        "--quiet",
      ],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: "false",
          CLOUDFLARE_CF_FETCH_ENABLED: "false",
          BENCH_PEAK_RSS_FILE: rssFile,
        },
        maxBuffer: 16 * 1024 * 1024,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    if (failed.status !== 1) throw error;
    code = 1;
    output = `${failed.stdout ?? ""}${failed.stderr ?? ""}`;
  }
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = Number(readFileSync(rssFile, "utf8")) / 1024;
  rmSync(rssFile, { force: true });
  return { seconds, cpuSeconds: childrenCpuSeconds() - cpuBefore, peakRssMb, code, output: output.trim() };
}
