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

export interface NewToken {
  name: string;
  scopes: TokenScope[];
  sessions: string[] | null;
  expiresAt: number | null;
}

/** A new random token: a recognisable prefix and 256 bits from the system's CSPRNG. */
export function mintToken(): string {
  return `csl_${randomBytes(32).toString("base64url")}`;
}

/** The SQL that stores `token` (as its hash) with its name, scopes, sessions and expiry. */
export async function insertTokenSql(token: string, spec: NewToken): Promise<string> {
  const sessions = spec.sessions === null ? "NULL" : sqlString(JSON.stringify(spec.sessions));
  const expiresAt = spec.expiresAt === null ? "NULL" : String(spec.expiresAt);
  return `INSERT INTO api_tokens (name, token_hash, scopes, sessions, expires_at) VALUES (${sqlString(spec.name)}, ${sqlString(await sha256Hex(token))}, ${sqlString(JSON.stringify(spec.scopes))}, ${sessions}, ${expiresAt});`;
}
