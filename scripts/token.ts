/**
 * The token CLI: `npm run token -- create|list|revoke …` (see README, "Tokens").
 * Local D1 by default; `--remote` for the deployed database, `--env NAME` for a wrangler environment,
 * `--persist-to DIR` for a local database kept in DIR (as `wrangler dev --persist-to DIR` serves it).
 * `create` prints the new token alone on its last line of output, for scripts to take.
 */
import { parseArgs } from "node:util";
import { TOKEN_SCOPES, type TokenScope } from "../src/db/schema.ts";
import { insertTokenSql, mintToken, NAME_PATTERN } from "./lib/tokens.ts";
import { applyMigrations, type D1Target, executeSql, sqlString } from "./lib/wrangler.ts";

const USAGE = `Usage:
  npm run token -- create --name NAME --scopes clients:read[,clients:write] [--sessions s1,s2] [--expires-in-days N] [--remote] [--env ENV] [--persist-to DIR]
  npm run token -- list [--remote] [--env ENV] [--persist-to DIR]
  npm run token -- revoke NAME [--remote] [--env ENV] [--persist-to DIR]`;

class UsageError extends Error {}

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

async function create(target: D1Target, options: Record<string, string | boolean | undefined>) {
  if (typeof options.name !== "string") throw new UsageError("create needs --name NAME");
  const name = checkName("name", options.name);
  const scopes = list(options.scopes as string | undefined);
  if (scopes.length === 0) throw new UsageError("create needs --scopes clients:read[,clients:write]");
  for (const scope of scopes) {
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) {
      throw new UsageError(`unknown scope "${scope}"; scopes are ${TOKEN_SCOPES.join(", ")}`);
    }
  }
  const sessions = options.sessions === undefined ? null : list(options.sessions as string);
  if (sessions !== null) {
    if (sessions.length === 0) throw new UsageError("--sessions needs at least one session id");
    for (const session of sessions) checkName("session", session);
  }
  let expiresAt: number | null = null;
  if (options["expires-in-days"] !== undefined) {
    const days = Number(options["expires-in-days"]);
    if (!Number.isFinite(days) || days <= 0)
      throw new UsageError("--expires-in-days needs a positive number");
    expiresAt = Date.now() + Math.round(days * 86_400_000);
  }

  const existing = executeSql(target, `SELECT 1 FROM api_tokens WHERE name = ${sqlString(name)};`);
  if (existing.length > 0)
    throw new UsageError(
      `a token named "${name}" already exists (revoked tokens keep their name, for the record): pick another name`,
    );

  const token = mintToken();
  const spec = { name, scopes: [...new Set(scopes)] as TokenScope[], sessions, expiresAt };
  executeSql(target, await insertTokenSql(token, spec));
  const where = target.remote
    ? "remote D1"
    : target.persistTo
      ? `local D1 in ${target.persistTo}`
      : "local D1";
  console.log(`Created token "${name}" (${where})`);
  console.log(`  scopes:   ${spec.scopes.join(", ")}`);
  console.log(`  sessions: ${sessions === null ? "all" : sessions.join(", ")}`);
  console.log(`  expires:  ${expiresAt === null ? "never" : new Date(expiresAt).toISOString()}`);
  console.log("Keep it secret: it is shown once and stored only as a hash. Token:");
  // Alone on the last line, for scripts (`… | tail -n 1`): print nothing after it.
  console.log(token);
}

function formatTime(value: unknown): string {
  return typeof value === "number" ? new Date(value).toISOString().slice(0, 19).replace("T", " ") : "-";
}

function listTokens(target: D1Target) {
  const rows = executeSql(
    target,
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

function revoke(target: D1Target, name: string | undefined) {
  if (name === undefined) throw new UsageError("revoke needs the token's NAME");
  checkName("name", name);
  const rows = executeSql(
    target,
    `UPDATE api_tokens SET revoked_at = unixepoch() * 1000 WHERE name = ${sqlString(name)} AND revoked_at IS NULL RETURNING name;`,
  );
  if (rows.length === 0) throw new UsageError(`no active token named "${name}"`);
  console.log(`Revoked token "${name}": it stops working everywhere within 60 seconds.`);
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      scopes: { type: "string" },
      sessions: { type: "string" },
      "expires-in-days": { type: "string" },
      remote: { type: "boolean", default: false },
      env: { type: "string" },
      "persist-to": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  const persistTo = values["persist-to"];
  if (persistTo !== undefined && persistTo.trim() === "")
    throw new UsageError("--persist-to needs a directory");
  if (persistTo !== undefined && values.remote)
    throw new UsageError("--persist-to applies to the local D1 only");
  const target: D1Target = { remote: values.remote ?? false, env: values.env, persistTo };
  // Local databases are created on first use: make sure the tables exist.
  if (!target.remote) applyMigrations(target);
  if (command === "create") await create(target, values);
  else if (command === "list") listTokens(target);
  else if (command === "revoke") revoke(target, rest[0]);
  else throw new UsageError(`unknown command "${command}"`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`error: ${error.message}\n\n${USAGE}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
