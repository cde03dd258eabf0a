/**
 * The token CLI: `npm run token -- create|list|revoke|help …` (see docs/tokens.md).
 *
 * The command line is checked completely before anything is opened, so a mistake costs no
 * wrangler start. Local D1 by default (opened once, in this process); `--remote` for the deployed
 * database, `--env NAME` for a wrangler environment, `--persist-to DIR` for a local database kept
 * in DIR (as `wrangler dev --persist-to DIR` serves it). `create` prints the new token alone on
 * its last line of output, for scripts to take.
 *
 * Exit codes: 0 done; 1 the command ran and failed; 2 the command line is wrong (nothing was done).
 */
import { TOKEN_SCOPES, type TokenScope } from "../src/db/schema.ts";
import {
  CommandError,
  type CommandLine,
  describeTarget,
  type Parsed,
  runCommandLine,
  splitArguments,
  TARGET_USAGE,
  TARGET_VALUES,
  targetOf,
  UsageError,
} from "./lib/command-line.ts";
import { type D1Connection, openD1 } from "./lib/d1.ts";
import { createTokenSql, mintToken, NAME_PATTERN, type TokenRequest } from "./lib/tokens.ts";
import { type D1Target, sqlString } from "./lib/wrangler.ts";

const USAGE = `Usage: npm run token -- <command> [options]

Commands:
  create --name NAME --scopes SCOPE[,SCOPE…] [--sessions s1,s2] [--expires-in-days N]
         scopes: clients:read, clients:write, aliases:write, sessions:write
                    mint a token; it is printed once, alone on the last line, and stored as a hash
  list              list the tokens: name, scopes, sessions, created, expires, status
  revoke NAME       revoke a token: it stops working within 60 seconds
  help              print this help (also -h, --help)

Which database (any command):
${TARGET_USAGE}

--expires-in-days N: a positive number of days, fractions allowed (0.5 is 12 hours), counted from
the moment the token is stored; without it the token never expires.
Exit codes: 0 done, 1 the command failed, 2 the command line is wrong (nothing was done).`;

const DAY_MS = 86_400_000;
const MAX_DAYS = 36_500;
const COMMANDS = ["create", "list", "revoke", "help"] as const;
const VALUE_OPTIONS = ["name", "scopes", "sessions", "expires-in-days", ...TARGET_VALUES] as const;
const CREATE_OPTIONS = ["name", "scopes", "sessions", "expires-in-days"] as const;

type Command =
  | { kind: "create"; target: D1Target; request: TokenRequest }
  | { kind: "list"; target: D1Target }
  | { kind: "revoke"; target: D1Target; name: string };

type TokenCommandLine = CommandLine<(typeof VALUE_OPTIONS)[number], "remote">;

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function checkName(kind: string, value: string): string {
  if (!NAME_PATTERN.test(value)) {
    throw new UsageError(
      `${kind} "${value}" must be 1-64 letters, digits or . _ : @ - (starting with a letter or digit)`,
    );
  }
  return value;
}

/** `--expires-in-days` in milliseconds: a plain positive decimal, such as 90 or 0.5. */
function expiryMs(value: string): number {
  const days = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  const ms = Math.round(days * DAY_MS);
  if (!(ms >= 1) || days > MAX_DAYS) {
    throw new UsageError(
      `--expires-in-days needs a positive number of days (such as 90, or 0.5 for 12 hours), at most ${MAX_DAYS}; "${value}" is not one`,
    );
  }
  return ms;
}

function createRequest(line: TokenCommandLine): TokenRequest {
  const { name, scopes: scopeList, sessions: sessionList, "expires-in-days": days } = line.values;
  if (name === undefined) throw new UsageError("create needs --name NAME");
  checkName("name", name);
  const scopes = list(scopeList);
  if (scopes.length === 0) throw new UsageError(`create needs --scopes, among ${TOKEN_SCOPES.join(", ")}`);
  for (const scope of scopes) {
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) {
      throw new UsageError(`unknown scope "${scope}"; scopes are ${TOKEN_SCOPES.join(", ")}`);
    }
  }
  const sessions = sessionList === undefined ? null : list(sessionList);
  if (sessions !== null) {
    if (sessions.length === 0) throw new UsageError("--sessions needs at least one session id");
    for (const session of sessions) checkName("session", session);
  }
  return {
    name,
    scopes: [...new Set(scopes)] as TokenScope[],
    sessions,
    expiresInMs: days === undefined ? null : expiryMs(days),
  };
}

/** Reads the whole command line, or throws a UsageError; opens nothing. */
function parseCommand(args: string[]): Parsed<Command> {
  const line = splitArguments(args, { values: VALUE_OPTIONS, flags: ["remote"] });
  const [command, ...rest] = line.positionals;
  if (line.flags.has("help") || command === "help") return { kind: "help" };
  if (command === undefined) throw new UsageError(`no command given: ${COMMANDS.join(", ")}`);
  if (command !== "create" && command !== "list" && command !== "revoke") {
    throw new UsageError(`unknown command "${command}"; the commands are ${COMMANDS.join(", ")}`);
  }
  if (command !== "create") {
    const misplaced = CREATE_OPTIONS.find((option) => line.values[option] !== undefined);
    if (misplaced !== undefined) throw new UsageError(`--${misplaced} applies to create only`);
  }
  const extra = command === "revoke" ? rest.slice(1) : rest;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const target = targetOf(line.values, line.flags.has("remote"));
  if (command === "create")
    return { kind: "run", command: { kind: "create", target, request: createRequest(line) } };
  if (command === "list") return { kind: "run", command: { kind: "list", target } };
  const [name] = rest;
  if (name === undefined) throw new UsageError("revoke needs the token's NAME: npm run token -- revoke NAME");
  return { kind: "run", command: { kind: "revoke", target, name: checkName("name", name) } };
}

function formatTime(value: unknown): string {
  return typeof value === "number" ? new Date(value).toISOString().slice(0, 19).replace("T", " ") : "-";
}

async function create(db: D1Connection, target: D1Target, request: TokenRequest) {
  const token = mintToken();
  const [stored] = await db.query(await createTokenSql(token, request));
  if (stored === undefined) {
    throw new CommandError(
      `a token named "${request.name}" already exists (revoked tokens keep their name, for the record): pick another name`,
    );
  }
  console.log(`Created token "${request.name}" (${describeTarget(target)})`);
  console.log(`  scopes:   ${request.scopes.join(", ")}`);
  console.log(`  sessions: ${request.sessions === null ? "all" : request.sessions.join(", ")}`);
  console.log(
    `  expires:  ${typeof stored.expires_at === "number" ? new Date(stored.expires_at).toISOString() : "never"}`,
  );
  console.log("Keep it secret: it is shown once and stored only as a hash. Token:");
  // Alone on the last line, for scripts (`… | tail -n 1`): print nothing after it.
  console.log(token);
}

async function listTokens(db: D1Connection) {
  const rows = await db.query(
    "SELECT name, scopes, sessions, created_at, expires_at, revoked_at FROM api_tokens ORDER BY created_at, id;",
  );
  if (rows.length === 0) {
    console.log("No tokens yet. Create one with: npm run token -- create --name NAME --scopes clients:read");
    return;
  }
  const now = Date.now();
  const table = rows.map((row) => ({
    name: String(row.name),
    scopes: (JSON.parse(String(row.scopes)) as string[]).join(","),
    sessions: row.sessions === null ? "all" : (JSON.parse(String(row.sessions)) as string[]).join(","),
    created: formatTime(row.created_at),
    expires: formatTime(row.expires_at),
    status:
      row.revoked_at !== null
        ? `revoked ${formatTime(row.revoked_at)}`
        : typeof row.expires_at === "number" && row.expires_at <= now
          ? "expired"
          : "active",
  }));
  const columns = Object.keys(table[0] ?? {}) as (keyof (typeof table)[number])[];
  const widths = columns.map((column) => Math.max(column.length, ...table.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(line(columns));
  for (const row of table) console.log(line(columns.map((column) => row[column])));
}

async function revoke(db: D1Connection, name: string) {
  const rows = await db.query(
    `UPDATE api_tokens SET revoked_at = unixepoch() * 1000 WHERE name = ${sqlString(name)} AND revoked_at IS NULL RETURNING name;`,
  );
  if (rows.length === 0) throw new CommandError(`no active token named "${name}"`);
  console.log(`Revoked token "${name}": it stops working everywhere within 60 seconds.`);
}

async function run(command: Command) {
  const db = await openD1(command.target);
  try {
    if (db.migrated) console.log(`Applied the pending migrations to the ${describeTarget(command.target)}.`);
    if (command.kind === "create") await create(db, command.target, command.request);
    else if (command.kind === "list") await listTokens(db);
    else await revoke(db, command.name);
  } finally {
    await db.close();
  }
}

process.exitCode = await runCommandLine(USAGE, parseCommand, run);
