/**
 * `npm run deploy [-- --env staging|production] [--dry-run]`: creates the queues the Worker needs
 * when they do not exist yet, applies pending D1 migrations to the remote database, then deploys
 * the Worker, so new code never meets an old schema or a missing queue. Before any remote call it
 * stops if the environment's D1 or KV id in wrangler.toml is still a placeholder, or if it sets a
 * variable meant for local development only. `--dry-run` calls nothing remote: it tells what a
 * deploy would do and builds the Worker offline (`wrangler deploy --dry-run`). Other arguments are
 * passed to `wrangler deploy`.
 *
 * Exit codes: 0 done; 1 stopped or failed; 2 the command line is wrong.
 */
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { runWrangler, spawnWrangler } from "./lib/wrangler.ts";
import {
  describePlaceholders,
  localOnlyVars,
  PROJECT_ROOT,
  placeholderIds,
  queueNames,
  readWranglerConfig,
  type WranglerConfig,
} from "./lib/wrangler-config.ts";

const USAGE = `Usage: npm run deploy [-- --env staging|production] [--dry-run] [wrangler deploy options]

  --env ENV   the wrangler environment to deploy (its own D1 database, KV namespace and name)
  --dry-run   call nothing remote: say what a deploy would do, and build the Worker offline;
              exit code 1 when a deploy would stop (placeholder ids) or the build fails
  -h, --help  print this help

A deploy creates the queues the Worker needs that do not exist yet (wrangler queues create), applies
the pending D1 migrations (wrangler d1 migrations apply DB --remote), then runs wrangler deploy. It
stops first while wrangler.toml holds a placeholder id for the environment, or sets a variable meant
for local development only.`;

const TOP_LEVEL_HINT =
  "The top level of wrangler.toml is for local development: deploy an environment, npm run deploy -- --env staging (or production).";

class UsageError extends Error {}

interface DeployOptions {
  env: string | undefined;
  dryRun: boolean;
  help: boolean;
  /** Passed to `wrangler deploy` as given. */
  rest: string[];
}

function parseOptions(args: string[]): DeployOptions {
  const options: DeployOptions = { env: undefined, dryRun: false, help: false, rest: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--env" || arg === "-e") {
      const value = args[i + 1];
      if (value === undefined || value.startsWith("-"))
        throw new UsageError(`${arg} needs an environment name`);
      options.env = value;
      i++;
    } else if (arg.startsWith("--env=")) {
      options.env = arg.slice("--env=".length);
      if (options.env === "") throw new UsageError("--env needs an environment name");
    } else if (arg === "--dry-run") {
      options.dryRun = true;
    } else if (arg === "-h" || arg === "--help") {
      options.help = true;
    } else {
      options.rest.push(arg);
    }
  }
  return options;
}

function run(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    spawnWrangler(args).on("exit", (code) => resolve(code ?? 1));
  });
}

function shell(args: string[]): string {
  return ["npx", "wrangler", ...args].join(" ");
}

/**
 * Creates each queue of `queues` that does not exist yet.
 *
 * @returns `undefined` when they all exist now, else the message that says which to create by hand.
 */
function ensureQueues(queues: readonly string[], envArgs: string[]): string | undefined {
  const failed: string[] = [];
  for (const queue of queues) {
    try {
      runWrangler(["queues", "info", queue, ...envArgs]);
      continue;
    } catch {
      // Not there (or not readable): create it; what fails then is said below.
    }
    try {
      runWrangler(["queues", "create", queue, ...envArgs]);
      console.log(`Created queue ${queue}.`);
    } catch (error) {
      failed.push(`  ${shell(["queues", "create", queue, ...envArgs])}\n    (${firstLine(error)})`);
    }
  }
  if (failed.length === 0) return undefined;
  return [
    "error: the Worker's queues could not all be created: nothing was migrated or deployed.",
    "Create them (the account needs Workers Queues, on every plan), then run the deploy again:",
    ...failed,
  ].join("\n");
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split("\n")
      .find((line) => line.trim() !== "" && !line.startsWith("wrangler "))
      ?.trim() ?? message
  );
}

function localMigrations(config: WranglerConfig): string[] {
  const directory = config.d1_databases.find((database) => database.binding === "DB")?.migrations_dir;
  try {
    return readdirSync(resolve(PROJECT_ROOT, directory ?? "migrations"))
      .filter((name) => name.endsWith(".sql"))
      .sort();
  } catch {
    return [];
  }
}

/** What a deploy of this environment would do, step by step; nothing here calls the network. */
function plan(config: WranglerConfig, options: DeployOptions): string {
  const envArgs = options.env ? ["--env", options.env] : [];
  const database = config.d1_databases.find((entry) => entry.binding === "DB");
  const migrations = localMigrations(config);
  const placeholders = placeholderIds(config, options.env);
  const queues = queueNames(config);
  const lines = [
    "Dry run: nothing remote is read or changed.",
    "",
    `npm run deploy${options.env ? ` -- --env ${options.env}` : ""} would:`,
    "  1. create each queue the Worker sends to or consumes that does not exist yet:",
    ...queues.map((queue) => `       ${shell(["queues", "create", queue, ...envArgs])}`),
    `  2. apply the pending migrations to D1 database "${database?.database_name ?? "?"}" (binding DB):`,
    `       ${shell(["d1", "migrations", "apply", "DB", "--remote", ...envArgs])}`,
    `     Local migrations: ${migrations.join(", ") || "none"}. Which are pending only the remote database`,
    "     knows, and a dry run does not ask it; once logged in, this lists them:",
    `       ${shell(["d1", "migrations", "list", "DB", "--remote", ...envArgs])}`,
    `  3. deploy the Worker "${config.name ?? "?"}":`,
    `       ${shell(["deploy", ...envArgs, ...options.rest])}`,
  ];
  if (placeholders.length > 0) {
    lines.push(
      "",
      "It would stop before step 1: these ids in wrangler.toml are placeholders.",
      describePlaceholders(placeholders),
      ...(options.env === undefined ? [TOP_LEVEL_HINT] : []),
    );
  }
  lines.push(
    "",
    `Building the Worker offline (${shell(["deploy", "--dry-run", ...envArgs, ...options.rest])}):`,
  );
  return lines.join("\n");
}

async function main(): Promise<number> {
  let options: DeployOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  let config: WranglerConfig;
  try {
    config = await readWranglerConfig(options.env);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const envArgs = options.env ? ["--env", options.env] : [];
  const localOnly = localOnlyVars(config);
  if (localOnly.length > 0) {
    console.error(
      `error: wrangler.toml sets ${localOnly.join(", ")} for ${options.env ? `--env ${options.env}` : "the top level"}: local development and tests only, never a deployment. Remove it; nothing was deployed, nothing remote was called.`,
    );
    return 1;
  }

  const placeholders = placeholderIds(config, options.env);
  if (options.dryRun) {
    console.log(plan(config, options));
    const built = await run(["deploy", "--dry-run", ...envArgs, ...options.rest]);
    if (built !== 0 || placeholders.length === 0) return built;
    // So that a CI step can use the dry run as a check: a deploy would not go through.
    console.error("Dry run: the Worker builds, but a deploy would stop at the placeholder ids above.");
    return 1;
  }

  if (placeholders.length > 0) {
    const again = `npm run deploy${options.env ? ` -- --env ${options.env}` : ""}`;
    console.error(
      [
        `error: wrangler.toml still holds placeholder ids${options.env ? ` for --env ${options.env}` : ""}: nothing was deployed, nothing remote was called.`,
        describePlaceholders(placeholders),
        options.env === undefined
          ? TOP_LEVEL_HINT
          : `Put each id in wrangler.toml and run ${again} again (docs/production.md).`,
      ].join("\n"),
    );
    return 1;
  }

  const missingQueues = ensureQueues(queueNames(config), envArgs);
  if (missingQueues !== undefined) {
    console.error(missingQueues);
    return 1;
  }
  const migrated = await run(["d1", "migrations", "apply", "DB", "--remote", ...envArgs]);
  return migrated === 0 ? run(["deploy", ...envArgs, ...options.rest]) : migrated;
}

process.exitCode = await main();
