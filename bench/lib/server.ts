/**
 * The benchmark's server: the Worker built once, into the run's temporary directory, and served
 * from there with `--no-bundle` (scripts/lib/dev-server.ts), so that edits to src/ during a run
 * neither reload the server (which would reset its counters and caches) nor change the code
 * half-way through; and what the bench reads from its processes and its log.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DevServer, startDevServer } from "../../scripts/lib/dev-server.ts";
import { runWrangler } from "../../scripts/lib/wrangler.ts";

export type { DevServer } from "../../scripts/lib/dev-server.ts";

export const BENCH_CONFIG = fileURLToPath(new URL("../wrangler.bench.toml", import.meta.url));

/** Bundles bench/worker.ts (and the app) as `wrangler deploy` would, without deploying. */
export function buildWorker(outDir: string): string {
  runWrangler(["deploy", "--dry-run", "--config", BENCH_CONFIG, "--outdir", outDir]);
  const script = join(outDir, "worker.js");
  if (!existsSync(script)) throw new Error(`wrangler built no ${script}`);
  return script;
}

export interface BenchServerOptions {
  /** The built Worker (`buildWorker`). */
  script: string;
  /** The local persistence directory the database was loaded into. */
  persistTo: string;
  /** `--var NAME:VALUE` overrides. */
  vars: Record<string, string>;
  /** Where wrangler's and the Worker's output go. */
  logPath: string;
}

/** Serves the built Worker on the benchmark config and waits until `/health` answers 200. */
export function startBenchServer(options: BenchServerOptions): Promise<DevServer> {
  return startDevServer({ ...options, config: BENCH_CONFIG, startTimeoutMs: 90_000 });
}

const CLOCK_TICKS_PER_SECOND = (() => {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const ticks = Number(result.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/** The processes of the server's process group (wrangler and workerd), with their /proc/<pid>/stat fields. */
function serverProcesses(server: DevServer): { pid: string; comm: string; fields: string[] }[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const processes: { pid: string; comm: string; fields: string[] }[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after "(comm)": state, ppid, pgrp, … utime is the 14th field, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== server.pid) continue;
      processes.push({ pid: entry, comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), fields });
    } catch {
      // The process ended meanwhile.
    }
  }
  return processes;
}

/**
 * CPU time (user + system, ms) used so far by the server's processes (wrangler and workerd, one
 * process group), from /proc; `null` where there is no /proc.
 */
export function serverCpuMs(server: DevServer): number | null {
  const processes = serverProcesses(server);
  if (processes === null) return null;
  let ticks = 0;
  for (const { fields } of processes) ticks += Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of the server's workerd processes, KiB. */
export interface WorkerdRss {
  /** The workerd that runs the Worker (and the local D1 and KV): the one wrangler gives the inspector. */
  worker: number | null;
  /** Every workerd of the group (the Worker's and wrangler's proxy). */
  all: number;
}

/** The server's workerd processes, and which of them runs the Worker (the one given an inspector). */
export function workerdProcesses(server: DevServer): { pid: string; runsWorker: boolean }[] {
  const workerds: { pid: string; runsWorker: boolean }[] = [];
  for (const { pid, comm } of serverProcesses(server) ?? []) {
    if (comm !== "workerd") continue;
    try {
      workerds.push({
        pid,
        runsWorker: readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--inspector-addr"),
      });
    } catch {
      // The process ended meanwhile.
    }
  }
  return workerds;
}

/** VmRSS of the server's workerd processes, from /proc/<pid>/status; `null` where there is no /proc. */
export function workerdRss(server: DevServer): WorkerdRss | null {
  if (serverProcesses(server) === null) return null;
  let worker: number | null = null;
  let all = 0;
  for (const { pid, runsWorker } of workerdProcesses(server)) {
    try {
      const rss = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      all += rss;
      if (runsWorker) worker = rss;
    } catch {
      // The process ended meanwhile.
    }
  }
  return { worker, all };
}

/** Warning- and error-level lines in the server's output (the app logs JSON lines), counted. */
export function serverLogSummary(logPath: string): string[] {
  let text = "";
  try {
    text = readFileSync(logPath, "utf8");
  } catch {
    return [];
  }
  const kinds = new Map<string, number>();
  for (const line of text.split("\n")) {
    const json = /\{"level":"(warn|error)".*\}/.exec(line);
    let key: string | null = null;
    if (json) {
      try {
        const event = JSON.parse(json[0]) as {
          level: string;
          event?: string;
          error?: string;
          status?: number;
        };
        key = `${event.level} ${event.event ?? "?"}${event.status ? ` ${event.status}` : ""}${event.error ? `: ${event.error}` : ""}`;
      } catch {
        key = line.trim().slice(0, 160);
      }
    } else if (/Uncaught|\bERROR\b|✘/.test(line)) {
      key = line.trim().slice(0, 160);
    }
    if (key !== null) kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  return [...kinds].sort((a, b) => b[1] - a[1]).map(([key, count]) => `${count} × ${key}`);
}
