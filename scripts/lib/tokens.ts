/**
 * API tokens on the CLI side: minting, and the SQL that stores one. The Worker only ever sees
 * the SHA-256 hash (src/middleware/auth.ts hashes the presented token the same way).
 */
import { randomBytes } from "node:crypto";
import type { TokenScope } from "../../src/db/schema.ts";
import { sha256Hex } from "../../src/lib/sha256.ts";
import { sqlString } from "./wrangler.ts";

/** Token names and session ids: printable, short, safe in SQL and in a terminal. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

/** What a token the CLI mints looks like. */
export const TOKEN_PATTERN = /^csl_[A-Za-z0-9_-]{43}$/;

export interface NewToken {
  name: string;
  scopes: TokenScope[];
  sessions: string[] | null;
  expiresAt: number | null;
}

/** A token to store, its expiry counted from the moment the database stores it. */
export interface TokenRequest extends Omit<NewToken, "expiresAt"> {
  /** Milliseconds from the insert to the expiry; null: never expires. */
  expiresInMs: number | null;
}

/** The database's clock in milliseconds, in SQL any SQLite (and D1) understands. */
const NOW_MS_SQL = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";

/** A new random token: a recognisable prefix and 256 bits from the system's CSPRNG. */
export function mintToken(): string {
  return `csl_${randomBytes(32).toString("base64url")}`;
}

async function insertSql(token: string, spec: Omit<NewToken, "expiresAt">, expiresAtSql: string) {
  const sessions = spec.sessions === null ? "NULL" : sqlString(JSON.stringify(spec.sessions));
  return `INSERT INTO api_tokens (name, token_hash, scopes, sessions, expires_at) VALUES (${sqlString(spec.name)}, ${sqlString(await sha256Hex(token))}, ${sqlString(JSON.stringify(spec.scopes))}, ${sessions}, ${expiresAtSql})`;
}

/** The SQL that stores `token` (as its hash) with its name, scopes, sessions and expiry. */
export async function insertTokenSql(token: string, spec: NewToken): Promise<string> {
  return `${await insertSql(token, spec, spec.expiresAt === null ? "NULL" : String(spec.expiresAt))};`;
}

/**
 * The SQL that stores `token` unless its name is taken: it answers one row (`expires_at`) when
 * stored, none when a token of that name exists. The expiry is computed by the database.
 */
export async function createTokenSql(token: string, spec: TokenRequest): Promise<string> {
  const expiresAt = spec.expiresInMs === null ? "NULL" : `${NOW_MS_SQL} + ${Math.round(spec.expiresInMs)}`;
  return `${await insertSql(token, spec, expiresAt)} ON CONFLICT (name) DO NOTHING RETURNING expires_at;`;
}
