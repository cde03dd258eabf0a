/**
 * Runs the project's own wrangler on the Node running this script (Node 22 from
 * node_modules/.bin under npm), whatever the caller's PATH holds.
 */
import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The project's root directory (where package.json and wrangler.toml are). */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const wranglerBin = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));

/**
 * The environment of a wrangler whose output a script reads or logs: no metrics, no banner (whose
 * update check asks the npm registry), no fetch of the `Request.cf` placeholder from
 * workers.cloudflare.com, and no colour codes.
 */
export const QUIET_WRANGLER_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  FORCE_COLOR: "0",
  NO_COLOR: "1",
};

/** Where a D1 command runs: the local database by default, the deployed one with `remote`. */
export interface D1Target {
  remote: boolean;
  /** A wrangler environment (`--env`), such as `staging` or `production`. */
  env?: string | undefined;
  /**
   * The directory of the local database (`--persist-to`) instead of wrangler's default
   * `.wrangler/state`, as `wrangler dev --persist-to` reads it. Local only.
   */
  persistTo?: string | undefined;
  /** Another wrangler config than ./wrangler.toml (`--config`), such as the benchmark's. */
  config?: string | undefined;
}

function targetArgs(target: D1Target): string[] {
  if (target.remote && target.persistTo) throw new Error("--persist-to applies to the local database only");
  return [
    target.remote ? "--remote" : "--local",
    ...(target.env ? ["--env", target.env] : []),
    ...(target.persistTo ? ["--persist-to", target.persistTo] : []),
    ...(target.config ? ["--config", target.config] : []),
  ];
}

/** Runs wrangler to completion and returns its standard output; throws with its output on failure. */
export function runWrangler(args: string[]): string {
  const result = spawnSync(process.execPath, [wranglerBin, ...args], {
    encoding: "utf8",
    env: QUIET_WRANGLER_ENV,
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

/** Starts wrangler as a child sharing this terminal, for long-running commands like `dev`. */
export function spawnWrangler(args: string[], options: SpawnOptions = {}) {
  return spawn(process.execPath, [wranglerBin, ...args], { stdio: "inherit", ...options });
}

/** Applies pending migrations to the D1 database. */
export function applyMigrations(target: D1Target): void {
  runWrangler(["d1", "migrations", "apply", "DB", ...targetArgs(target)]);
}

/** Runs SQL on the D1 database and returns the rows of its last statement. */
export function executeSql(target: D1Target, sql: string): Record<string, unknown>[] {
  return executeSqlBatch(target, sql).at(-1) ?? [];
}

/**
 * Runs SQL (one statement, or several separated by `;`, which D1 runs as one batch) on the D1
 * database and returns the rows of each statement. One `--command`: keep it well under 128 KiB,
 * the longest single argument Linux passes to a process.
 */
export function executeSqlBatch(target: D1Target, sql: string): Record<string, unknown>[][] {
  const output = runWrangler(["d1", "execute", "DB", ...targetArgs(target), "--json", `--command=${sql}`]);
  const results = JSON.parse(output) as { results?: Record<string, unknown>[] }[];
  return results.map((result) => result.results ?? []);
}

/** Runs an SQL file on the D1 database, for statements too many for one command line. */
export function executeSqlFile(target: D1Target, path: string): void {
  runWrangler(["d1", "execute", "DB", ...targetArgs(target), "--file", path]);
}

/** Quotes a value as an SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
