/**
 * wrangler on the Node running the benchmark (Node 22 under npm): the one-shot commands that
 * build the Worker and prepare the database, and the `wrangler dev` server the load is sent to.
 *
 * The Worker is built once, into the run's temporary directory, and served from there with
 * `--no-bundle`: edits to src/ during a run neither reload the server (which would reset its
 * counters and caches) nor change the code half-way through.
 *
 * The server runs in its own process group, so that stopping it stops workerd and every
 * helper with it; an exit hook kills whatever is still running, whatever way the bench ends.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../scripts/lib/free-port.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BENCH_CONFIG = fileURLToPath(new URL("../wrangler.bench.toml", import.meta.url));
const WRANGLER = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));

// Loopback only: no metrics, no banner (whose update check asks the npm registry), no fetch of
// the `Request.cf` placeholder from workers.cloudflare.com. And no colour codes in the log.
const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  FORCE_COLOR: "0",
  NO_COLOR: "1",
};

/** Runs wrangler to completion and returns its standard output; throws with its output on failure. */
export function wrangler(args: string[]): string {
  const result = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: WRANGLER_ENV,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
    throw new Error(
      `wrangler ${args.slice(0, 3).join(" ")} failed (${result.status ?? result.signal}):\n${output}`,
    );
  }
  return result.stdout;
}

/** Bundles bench/worker.ts (and the app) as `wrangler deploy` would, without deploying. */
export function buildWorker(outDir: string): string {
  wrangler(["deploy", "--dry-run", "--config", BENCH_CONFIG, "--outdir", outDir]);
  const script = join(outDir, "worker.js");
  if (!existsSync(script)) throw new Error(`wrangler built no ${script}`);
  return script;
}

// Process groups still running, killed on any exit of this process.
const runningGroups = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

process.on("exit", () => {
  for (const pid of runningGroups) killGroup(pid, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the benchmark server`);
    for (const pid of runningGroups) killGroup(pid, "SIGTERM");
    process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
  });
}

export interface DevServerOptions {
  /** The built Worker (`buildWorker`). */
  script: string;
  /** The local persistence directory the database was loaded into. */
  persistTo: string;
  /** `--var NAME:VALUE` overrides. */
  vars: Record<string, string>;
  /** Where wrangler's and the Worker's output go. */
  logPath: string;
  /** How long to wait for `/health`. */
  startTimeoutMs?: number;
}

export interface DevServer {
  url: string;
  logPath: string;
  /**
   * CPU time (user + system, ms) used so far by the server's processes (wrangler and workerd,
   * one process group), from /proc; `null` where there is no /proc.
   */
  cpuMs(): number | null;
  /** Stops the server and every process of its group; safe to call twice. */
  stop(): Promise<void>;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/** The last `lines` lines of a file, for error messages. */
export function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}

const CLOCK_TICKS_PER_SECOND = (() => {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const ticks = Number(result.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/** CPU time of every process in process group `group`, in ms (Linux /proc). */
function groupCpuMs(group: number): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  let ticks = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after "(comm)": state, ppid, pgrp, … utime is the 14th field, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== group) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Starts `wrangler dev` on the benchmark config and waits until `/health` answers 200. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = await freePort();
  // The inspector port too: another `wrangler dev` may hold the default one.
  const inspectorPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    WRANGLER,
    "dev",
    options.script,
    "--no-bundle",
    "--config",
    BENCH_CONFIG,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    options.persistTo,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    // Warnings and errors only (the app's error logs among them): no line per request.
    "--log-level",
    "warn",
    ...Object.entries(options.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  const log = openSync(options.logPath, "a");
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: WRANGLER_ENV,
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start wrangler dev");
  runningGroups.add(pid);
  const exited = exitOf(child);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    // workerd may outlive wrangler by a moment: make sure the whole group is gone.
    killGroup(pid, "SIGKILL");
    runningGroups.delete(pid);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  let childExited = false;
  void exited.then(() => {
    childExited = true;
  });
  while (Date.now() < deadline) {
    if (childExited) {
      await stop();
      throw new Error(`wrangler dev exited before serving; its output:\n${tail(options.logPath)}`);
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200)
        return { url, logPath: options.logPath, stop, cpuMs: () => groupCpuMs(pid) };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer /health in time; its output:\n${tail(options.logPath)}`);
}
