/**
 * What `npm start` prepares before it serves: the local D1 migrated, the demo data loaded, and
 * one local token with every scope, the same on every start of the same local data until it is
 * revoked. Only the token's hash is in D1, so the token itself is kept beside the local data
 * (in the state directory, never in the repository), readable by its owner only.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TOKEN_SCOPES } from "../../src/db/schema.ts";
import { sha256Hex } from "../../src/lib/sha256.ts";
import { localStateDir, openD1 } from "./d1.ts";
import { createTokenSql, mintToken, TOKEN_PATTERN } from "./tokens.ts";
import { sqlString } from "./wrangler.ts";

/** The name of the local token in `api_tokens` (`npm run token -- revoke local-dev` replaces it). */
export const LOCAL_TOKEN_NAME = "local-dev";

const DEMO_DATA = new URL("../demo-data.sql", import.meta.url);

export interface LocalStateOptions {
  /** The local state directory, as `wrangler dev --persist-to` takes it; `.wrangler/state` by default. */
  persistTo?: string | undefined;
  /** The wrangler environment whose bindings `wrangler dev --env` will serve. */
  env?: string | undefined;
}

export interface LocalState {
  /** The local token, with `clients:read` and `clients:write`. */
  token: string;
  /** True when the token was minted now (first start, or the previous one was revoked). */
  minted: boolean;
  /** True when migrations were applied now (new local data, or a new migration). */
  migrated: boolean;
  /** The file that keeps the token. */
  tokenFile: string;
}

/** Where the local token of this state directory and environment is kept. */
export function localTokenFile(options: LocalStateOptions): string {
  const suffix = options.env ? `.${options.env}` : "";
  return join(localStateDir(options.persistTo), `${LOCAL_TOKEN_NAME}-token${suffix}`);
}

function readSavedToken(file: string): string | undefined {
  try {
    const saved = readFileSync(file, "utf8").trim();
    return TOKEN_PATTERN.test(saved) ? saved : undefined;
  } catch {
    return undefined;
  }
}

/** Migrates the local D1, loads the demo data, and answers the local token (reused or new). */
export async function prepareLocalState(options: LocalStateOptions = {}): Promise<LocalState> {
  const tokenFile = localTokenFile(options);
  const db = await openD1({ remote: false, persistTo: options.persistTo, env: options.env });
  try {
    const demoData = readFileSync(DEMO_DATA, "utf8");
    const saved = readSavedToken(tokenFile);
    if (saved !== undefined) {
      const [active] = await db.query(
        `${demoData}\nSELECT 1 AS active FROM api_tokens WHERE name = ${sqlString(LOCAL_TOKEN_NAME)} AND token_hash = ${sqlString(await sha256Hex(saved))} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > unixepoch() * 1000);`,
      );
      if (active !== undefined) return { token: saved, minted: false, migrated: db.migrated, tokenFile };
    }
    // Revoked, unknown to this database, or never minted: replace the row and the file.
    const token = mintToken();
    await db.query(
      `${demoData}\nDELETE FROM api_tokens WHERE name = ${sqlString(LOCAL_TOKEN_NAME)};\n${await createTokenSql(
        token,
        {
          name: LOCAL_TOKEN_NAME,
          scopes: [...TOKEN_SCOPES],
          sessions: null,
          expiresInMs: null,
        },
      )}`,
    );
    mkdirSync(localStateDir(options.persistTo), { recursive: true });
    writeFileSync(`${tokenFile}.tmp`, `${token}\n`, { mode: 0o600 });
    renameSync(`${tokenFile}.tmp`, tokenFile);
    return { token, minted: true, migrated: db.migrated, tokenFile };
  } finally {
    await db.close();
  }
}
