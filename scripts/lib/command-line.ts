/**
 * What the scripts' command lines share: the arguments split and checked before anything is
 * opened, the database options (`--remote`, `--env`, `--persist-to`), and the exit codes: 0 done,
 * 1 the command ran and failed, 2 the command line is wrong (nothing was done).
 */
import { resolve } from "node:path";
import type { D1Target } from "./wrangler.ts";

/** The command line is wrong: exit 2, with the usage. */
export class UsageError extends Error {}

/** The command ran and could not do what was asked: exit 1, with the message. */
export class CommandError extends Error {}

/** The options every command that opens the database takes. */
export const TARGET_VALUES = ["env", "persist-to"] as const;

/** The usage of {@link TARGET_VALUES} and `--remote`. */
export const TARGET_USAGE = `  (default)         the local D1 that npm start serves (.wrangler/state)
  --persist-to DIR  the local D1 kept in DIR (as wrangler dev --persist-to DIR)
  --remote          the deployed D1 (after npx wrangler login)
  --env ENV         a wrangler environment, such as staging or production`;

export interface CommandLine<V extends string, F extends string> {
  positionals: string[];
  values: Partial<Record<V, string>>;
  /** The flags given, `help` for `-h` and `--help`. */
  flags: Set<F | "help">;
}

/**
 * Splits the arguments into positionals, options with a value (`--name VALUE`, `--name=VALUE`)
 * and flags. A value may start with a single dash (`--expires-in-days -1` reaches the range
 * check, which explains itself), never with two (`--name --scopes` lacks a name).
 */
export function splitArguments<V extends string, F extends string>(
  args: string[],
  spec: { values: readonly V[]; flags: readonly F[] },
): CommandLine<V, F> {
  const line: CommandLine<V, F> = { positionals: [], values: {}, flags: new Set() };
  const isValue = (name: string): name is V => (spec.values as readonly string[]).includes(name);
  const isFlag = (name: string): name is F => (spec.flags as readonly string[]).includes(name);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      line.positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-")) {
      line.positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    const name = flag.slice(2);
    if (flag === "-h" || flag === "--help" || (flag.startsWith("--") && isFlag(name))) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      line.flags.add(flag === "-h" || flag === "--help" ? "help" : (name as F));
      continue;
    }
    if (!flag.startsWith("--") || !isValue(name)) throw new UsageError(`unknown option ${flag}`);
    if (line.values[name] !== undefined) throw new UsageError(`${flag} is given twice`);
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      value = next;
      i++;
    }
    line.values[name] = value;
  }
  return line;
}

/**
 * A path as the caller typed it, from where they typed it: `npm run SCRIPT` runs the script in the
 * project's folder, and tells where it was called from in `INIT_CWD`.
 */
export function callerPath(path: string, script: string): string {
  const calledFrom = process.env.npm_lifecycle_event === script ? process.env.INIT_CWD : undefined;
  return resolve(calledFrom ?? process.cwd(), path);
}

/** The database a command line names: `--remote`, `--env ENV`, `--persist-to DIR`. */
export function targetOf(values: { env?: string; "persist-to"?: string }, remote: boolean): D1Target {
  const { env, "persist-to": persistTo } = values;
  if (persistTo !== undefined && persistTo.trim() === "")
    throw new UsageError("--persist-to needs a directory");
  if (persistTo !== undefined && remote) throw new UsageError("--persist-to applies to the local D1 only");
  if (env !== undefined && env.trim() === "") throw new UsageError("--env needs an environment name");
  return { remote, env, persistTo };
}

/** The database in words, such as "local D1 in /tmp/x, environment staging". */
export function describeTarget(target: D1Target): string {
  const where = target.remote
    ? "remote D1"
    : target.persistTo
      ? `local D1 in ${target.persistTo}`
      : "local D1";
  return target.env ? `${where}, environment ${target.env}` : where;
}

/** What {@link runCommandLine} does with the arguments: the usage, or a command to run. */
export type Parsed<C> = { kind: "help" } | { kind: "run"; command: C };

/**
 * Parses the arguments and runs the command, and answers the exit code: a {@link UsageError}
 * is printed with the usage (2), help is printed (0), a failure of the command is printed (1).
 */
export async function runCommandLine<C>(
  usage: string,
  parse: (args: string[]) => Parsed<C>,
  run: (command: C) => Promise<void>,
): Promise<number> {
  let parsed: Parsed<C>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (parsed.kind === "help") {
    console.log(usage);
    return 0;
  }
  try {
    await run(parsed.command);
    return 0;
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
