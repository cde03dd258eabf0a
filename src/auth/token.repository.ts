import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiTokens, type TokenScope } from "../db/schema";

/** What a request may do with the token it presented. */
export interface AuthenticatedToken {
  name: string;
  scopes: readonly TokenScope[];
  /** `null`: every session; otherwise the only sessions whose clients the token may see. */
  sessions: readonly string[] | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

/** The token stored under `tokenHash`, or `null` when there is none. */
export async function findTokenByHash(db: Database, tokenHash: string): Promise<AuthenticatedToken | null> {
  const row = await db
    .select({
      name: apiTokens.name,
      scopes: apiTokens.scopes,
      sessions: apiTokens.sessions,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, tokenHash))
    .get();
  if (row === undefined) return null;
  return {
    name: row.name,
    scopes: row.scopes,
    sessions: row.sessions,
    expiresAt: row.expiresAt?.getTime() ?? null,
    revokedAt: row.revokedAt?.getTime() ?? null,
  };
}
