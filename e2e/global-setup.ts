/**
 * Global setup of the end-to-end suite (`npm run test:e2e`), run once around all test files:
 *
 * 1. a throwaway local D1 and KV in a temp dir (`--persist-to`), never the developer's `.wrangler/state`;
 * 2. the migrations and `scripts/demo-data.sql` applied to it;
 * 3. tokens minted and revoked through the token CLI, as a user would (`node scripts/token.ts …`);
 * 4. meanwhile, `wrangler dev` on a free loopback port, in its own process group, until `GET /health`
 *    answers 200.
 *
 * Tests read the base URL and tokens with `inject("baseUrl")` and `inject("tokens")`. Teardown stops
 * the server and everything it started, and removes the temp dir, whether the tests passed or not.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify, stripVTControlCharacters } from "node:util";
import type { TestProject } from "vitest/node";
import { freePort } from "../scripts/lib/free-port.ts";
import { applyMigrations, type D1Target, executeSql } from "../scripts/lib/wrangler.ts";

/** The tokens the suite works with, each minted by the token CLI. */
export interface E2eTokens {
  /** `clients:read,clients:write`, every session. */
  readWrite: string;
  /** `clients:write` only: lookups answer 403. */
  writeOnly: string;
  /** `clients:read` limited to session `xyz789`, the demo client's. */
  sessionXyz789: string;
  /** `clients:read` limited to another session: the demo client is invisible to it. */
  otherSession: string;
  /** `clients:read,clients:write`, revoked before the server starts. */
  revoked: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The running Worker, such as `http://127.0.0.1:41234` (no trailing slash). */
    baseUrl: string;
    tokens: E2eTokens;
  }
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TOKEN_CLI = join(ROOT, "scripts", "token.ts");
const DEMO_DATA = join(ROOT, "scripts", "demo-data.sql");
const WRANGLER_BIN = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const HEALTH_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_LIMIT = 64 * 1024;
const TOKEN_SHAPE = /^csl_[A-Za-z0-9_-]{43}$/;

/** Environment of every child: no metrics, and no fetch of `Request.cf` from the internet. */
const CHILD_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the token CLI on the throwaway database and returns its standard output. */
async function tokenCli(persistTo: string, args: string[]): Promise<string> {
  const command = `node scripts/token.ts ${args.join(" ")} --persist-to ${persistTo}`;
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      [TOKEN_CLI, ...args, "--persist-to", persistTo],
      {
        cwd: ROOT,
        env: CHILD_ENV,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} failed:\n${stripVTControlCharacters(`${stdout}${stderr}`).trim()}`);
  }
}

/** Creates a token with the CLI and takes it from the last line of its output. */
async function createToken(persistTo: string, name: string, options: string[]): Promise<string> {
  const output = await tokenCli(persistTo, ["create", "--name", name, ...options]);
  const token = output.trimEnd().split("\n").at(-1)?.trim() ?? "";
  if (!TOKEN_SHAPE.test(token)) {
    throw new Error(`token CLI: the last line of "create --name ${name}" is not a token:\n${output}`);
  }
  return token;
}

/** `wrangler dev` in its own process group, with its output kept (the last 64 kB) for error messages. */
class DevServer {
  readonly child: ChildProcess;
  #output = "";

  constructor(port: number, inspectorPort: number, persistTo: string) {
    // biome-ignore format: one flag per line reads best
    const args = [
      WRANGLER_BIN, "dev",
      "--local",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", persistTo,
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ];
    // `detached`: a process group of its own, so that stopping it also stops workerd.
    this.child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: CHILD_ENV,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
  }

  get output(): string {
    return stripVTControlCharacters(this.#output).trim() || "(no output)";
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Sends `signal` to the whole group; false when no process of the group is left. */
  signal(signal: NodeJS.Signals | 0): boolean {
    if (this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Waits until `GET /health` answers 200; throws with wrangler's output when it never does. */
  async waitUntilHealthy(baseUrl: string): Promise<void> {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(
          `wrangler dev exited (code ${this.child.exitCode}, signal ${this.child.signalCode}) before answering GET /health.\nwrangler's output:\n${this.output}`,
        );
      }
      try {
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
        last = `status ${response.status}`;
      } catch (error) {
        last =
          error instanceof Error ? `${error.message} ${String(error.cause ?? "")}`.trim() : String(error);
      }
      await sleep(250);
    }
    throw new Error(
      `wrangler dev did not answer GET ${baseUrl}/health with 200 within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last}).\nwrangler's output:\n${this.output}`,
    );
  }

  /** Stops the group: SIGTERM, then SIGKILL for whatever is still running after a few seconds. */
  async stop(): Promise<void> {
    if (!this.signal("SIGTERM")) return;
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      await sleep(100);
      if (!this.signal(0)) return;
    }
    this.signal("SIGKILL");
  }
}

/** Mints the suite's tokens one by one through the token CLI, and revokes one of them. */
async function mintTokens(persistTo: string): Promise<E2eTokens> {
  const tokens: E2eTokens = {
    readWrite: await createToken(persistTo, "e2e-read-write", ["--scopes", "clients:read,clients:write"]),
    writeOnly: await createToken(persistTo, "e2e-write-only", ["--scopes", "clients:write"]),
    sessionXyz789: await createToken(persistTo, "e2e-session-xyz789", [
      "--scopes",
      "clients:read",
      "--sessions",
      "xyz789",
    ]),
    otherSession: await createToken(persistTo, "e2e-other-session", [
      "--scopes",
      "clients:read",
      "--sessions",
      "other-session",
    ]),
    revoked: await createToken(persistTo, "e2e-revoked", ["--scopes", "clients:read,clients:write"]),
  };
  await tokenCli(persistTo, ["revoke", "e2e-revoked"]);
  return tokens;
}

/**
 * Prepares the throwaway database and tokens, starts the Worker, and returns the teardown.
 *
 * @param project - Vitest's project, to `provide` the base URL and tokens to the tests.
 * @returns The teardown: stops the server and removes the temp dir.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!process.features.typescript) {
    throw new Error(
      `The end-to-end suite runs the TypeScript scripts on Node 22 (this is Node ${process.version}): run it with \`npm run test:e2e\`.`,
    );
  }
  const persistTo = await mkdtemp(join(tmpdir(), "csl-e2e-"));
  let server: DevServer | undefined;
  // Last resort if Vitest is interrupted (Ctrl-C): never leave workerd or the temp dir behind.
  const killOnExit = () => {
    server?.signal("SIGKILL");
    rmSync(persistTo, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);

  const teardown = async () => {
    process.off("exit", killOnExit);
    const crashed = server?.exited === true;
    await server?.stop();
    if (crashed && server !== undefined) {
      console.error(`wrangler dev exited before the end of the tests. Its output:\n${server.output}`);
    }
    await rm(persistTo, { recursive: true, force: true });
  };

  try {
    const target: D1Target = { remote: false, persistTo };
    applyMigrations(target);
    executeSql(target, await readFile(DEMO_DATA, "utf8"));

    const port = await freePort();
    let inspectorPort = await freePort();
    while (inspectorPort === port) inspectorPort = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // The server starts while the CLI mints the tokens: `/health` touches no data, and the first
    // request that opens the database is a test's, after both are done.
    server = new DevServer(port, inspectorPort, persistTo);
    const [minted, healthy] = await Promise.allSettled([
      mintTokens(persistTo),
      server.waitUntilHealthy(baseUrl),
    ]);
    if (minted.status === "rejected") throw minted.reason;
    if (healthy.status === "rejected") throw healthy.reason;
    const tokens = minted.value;

    project.provide("baseUrl", baseUrl);
    project.provide("tokens", tokens);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
