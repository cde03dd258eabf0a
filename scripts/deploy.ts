/**
 * `npm run deploy [-- --env staging|production]`: applies pending D1 migrations to the remote
 * database first, then deploys the Worker, so new code never meets an old schema. Other
 * arguments are passed to `wrangler deploy`.
 */
import { spawnWrangler } from "./lib/wrangler.ts";

function splitEnvironment(args: string[]): { environment: string[]; rest: string[] } {
  const environment: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if ((arg === "--env" || arg === "-e") && args[i + 1] !== undefined) {
      environment.push("--env", args[++i] ?? "");
    } else if (arg.startsWith("--env=")) {
      environment.push(arg);
    } else {
      rest.push(arg);
    }
  }
  return { environment, rest };
}

function run(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    spawnWrangler(args).on("exit", (code) => resolve(code ?? 1));
  });
}

const { environment, rest } = splitEnvironment(process.argv.slice(2));
const migrated = await run(["d1", "migrations", "apply", "DB", "--remote", ...environment]);
process.exitCode = migrated === 0 ? await run(["deploy", ...environment, ...rest]) : migrated;
