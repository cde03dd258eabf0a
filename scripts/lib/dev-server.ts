/**
 * Starts and stops `wrangler dev` for the end-to-end suite and the benchmark: on free loopback
 * ports, over a given `--persist-to` directory, in a process group of its own so that stopping
 * it stops workerd too. Any number may run at once, over the same directory or not; a server
 * killed like a crash restarts on the same state and URL with `startDevServer(server.options)`.
 */
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { stripVTControlCharacters } from "node:util";
import { freePorts } from "./free-port.ts";
import { PROJECT_ROOT, QUIET_WRANGLER_ENV, spawnWrangler } from "./wrangler.ts";

export interface DevServerOptions {
  /** The local D1 and KV directory (`--persist-to`); servers may share one. */
  persistTo: string;
  /** The file wrangler's and the Worker's output is appended to. */
  logPath: string;
  /** The port to serve on; by default one the system has free. */
  port?: number | undefined;
  /** Another wrangler config than ./wrangler.toml (`--config`). */
  config?: string | undefined;
  /** A Worker built beforehand, served as it is (`--no-bundle`) instead of the config's `main`. */
  script?: string | undefined;
  /** Variables set over the config's (`--var NAME:VALUE`); `ALLOW_LOCAL_WEBHOOKS` is `true` unless set here. */
  vars?: Record<string, string> | undefined;
  /** How long to wait for `GET /health` to answer 200 (default 60 s). */
  startTimeoutMs?: number | undefined;
}

export interface DevServer {
  /** Such as `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string;
  /** wrangler's process id, which is also the id of the process group it leads. */
  readonly pid: number;
  /** What it was started with, its port included: `startDevServer(options)` starts it again. */
  readonly options: DevServerOptions & { port: number };
  /** Whether wrangler has exited (stopped, killed, or crashed). */
  readonly exited: boolean;
  /** The last `lines` lines of its output, for error messages. */
  output(lines?: number): string;
  /** SIGTERM to the whole group, SIGKILL to what is left after `timeoutMs`; safe to call twice. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL to the whole group at once, as in a crash; resolves once every process is gone. */
  kill(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
const OUTPUT_LINES = 40;

// Process groups still running: killed on any exit of this process, so that no workerd outlives it.
const runningGroups = new Set<number>();
process.on("exit", () => {
  for (const pid of runningGroups) signalGroup(pid, "SIGKILL");
});

/** Sends `signal` to every process of group `pid`; false when none is left. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Waits until no process of group `pid` is left; false if some still are after `timeoutMs`. */
async function groupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (signalGroup(pid, 0)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The last `lines` lines of a log file, without colour codes. */
function tail(path: string, lines: number): string {
  try {
    const text = stripVTControlCharacters(readFileSync(path, "utf8")).trimEnd();
    return text === "" ? "(no output)" : text.split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function devArgs(options: DevServerOptions, port: number, inspectorPort: number): string[] {
  // biome-ignore format: one flag per line reads best
  return [
    "dev",
    ...(options.script === undefined ? [] : [options.script, "--no-bundle"]),
    ...(options.config === undefined ? [] : ["--config", options.config]),
    "--local",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", options.persistTo,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    // Warnings and errors only (the app's error logs among them): no line per request.
    "--log-level", "warn",
    // As npm start serves: the Cron Trigger on request, webhooks to loopback receivers.
    "--test-scheduled",
    ...Object.entries({ ALLOW_LOCAL_WEBHOOKS: "true", ...options.vars }).flatMap(([name, value]) => [
      "--var",
      `${name}:${value}`,
    ]),
  ];
}

/** Polls `GET /health` until it answers 200; throws with the server's output when it never does. */
async function waitUntilHealthy(server: DevServer, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (server.exited) {
      throw new Error(
        `wrangler dev exited (code ${child.exitCode}, signal ${child.signalCode}) before answering GET /health; its output:\n${server.output()}`,
      );
    }
    try {
      const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}`.trim() : String(error);
    }
    await sleep(250);
  }
  throw new Error(
    `wrangler dev did not answer GET ${server.url}/health with 200 within ${timeoutMs / 1000} s (last: ${last}); its output:\n${server.output()}`,
  );
}

/**
 * Starts `wrangler dev` and waits until `GET /health` answers 200. On failure the server is
 * stopped and the error carries the end of its output.
 *
 * @example
 * const server = await startDevServer({ persistTo: dir, logPath: join(dir, "dev.log") });
 * await server.kill(); // a crash
 * const again = await startDevServer(server.options); // same state, same URL
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const [first, second] = await freePorts(2);
  if (first === undefined || second === undefined) throw new Error("no free port");
  const port = options.port ?? first;
  // The inspector needs a port too: another `wrangler dev` may hold the default one.
  const inspectorPort = first === port ? second : first;
  const log = openSync(options.logPath, "a");
  const child = spawnWrangler(devArgs(options, port, inspectorPort), {
    cwd: PROJECT_ROOT,
    env: QUIET_WRANGLER_ENV,
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  // A failure to spawn shows as no pid, below; without a listener it would also throw later.
  child.on("error", () => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start wrangler dev");
  runningGroups.add(pid);

  let stopping: Promise<void> | undefined;
  const end = (signal: NodeJS.Signals, timeoutMs: number) => {
    stopping ??= (async () => {
      signalGroup(pid, signal);
      if (!(await groupGone(pid, timeoutMs))) {
        signalGroup(pid, "SIGKILL");
        await groupGone(pid, DEFAULT_STOP_TIMEOUT_MS);
      }
      runningGroups.delete(pid);
    })();
    return stopping;
  };
  const server: DevServer = {
    url: `http://127.0.0.1:${port}`,
    pid,
    options: { ...options, port },
    get exited() {
      return hasExited(child);
    },
    output: (lines = OUTPUT_LINES) => tail(options.logPath, lines),
    stop: (timeoutMs = DEFAULT_STOP_TIMEOUT_MS) => end("SIGTERM", timeoutMs),
    kill: () => end("SIGKILL", DEFAULT_STOP_TIMEOUT_MS),
  };
  try {
    await waitUntilHealthy(server, child, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
