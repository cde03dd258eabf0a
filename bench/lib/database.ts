/**
 * The throwaway database of a run: the migrations, the 100,000 conversations with their LIDs, BSUIDs and
 * the bench's tokens, loaded with wrangler into the run's `--persist-to` directory, then counted.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { insertTokenSql } from "../../scripts/lib/tokens.ts";
import { applyMigrations, type D1Target, executeSql, executeSqlFile } from "../../scripts/lib/wrangler.ts";
import { CHAT_COUNT, CLIENT_COUNT, seedSql } from "./data.ts";
import { seconds } from "./load.ts";
import { PROBE_OWN_SESSION } from "./probe.ts";
import { BENCH_CONFIG } from "./server.ts";

/** The bench's tokens: one for lookups, one for writes, one limited to a session of its own. */
export interface BenchTokens {
  /** `clients:read`. */
  read: string;
  /** `clients:write`. */
  write: string;
  /** `clients:read`, limited to a session no bench client is in: the timing probe's. */
  limited: string;
}

/** Loads the data set and the tokens into a new local D1 in `dataDir`, and checks the counts. */
export async function loadDatabase(dataDir: string, tokens: BenchTokens): Promise<void> {
  const started = performance.now();
  mkdirSync(dataDir, { recursive: true });
  const local: D1Target = { remote: false, persistTo: dataDir, config: BENCH_CONFIG };
  applyMigrations(local);
  const sqlPath = join(dataDir, "seed.sql");
  const readSql = await insertTokenSql(tokens.read, {
    name: "bench",
    scopes: ["clients:read"],
    sessions: null,
    expiresAt: null,
  });
  const writeSql = await insertTokenSql(tokens.write, {
    name: "bench-writes",
    scopes: ["clients:write"],
    sessions: null,
    expiresAt: null,
  });
  const limitedSql = await insertTokenSql(tokens.limited, {
    name: "bench-probe",
    scopes: ["clients:read"],
    sessions: [PROBE_OWN_SESSION],
    expiresAt: null,
  });
  // The seed writes D1 outside the app's writes: it must empty chat_changes, where the triggers
  // recorded every chat it added, or the first write would read back, and refresh, all of them.
  writeFileSync(sqlPath, `${seedSql()}DELETE FROM chat_changes;\n${readSql}\n${writeSql}\n${limitedSql}\n`);
  executeSqlFile(local, sqlPath);
  const [row] = executeSql(
    local,
    "SELECT (SELECT count(*) FROM conversation) AS conversations, (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM chat_ids) AS ids, (SELECT count(*) FROM chat_changes) AS changes",
  );
  if (
    row?.conversations !== CHAT_COUNT ||
    row.clients !== CLIENT_COUNT ||
    row.ids !== 3 * CHAT_COUNT ||
    row.changes !== 0
  ) {
    throw new Error(
      `the database holds ${JSON.stringify(row)}, not ${CHAT_COUNT} conversations with a chat id, a LID and a BSUID each, and no pending chat change`,
    );
  }
  console.log(
    `Loaded ${CHAT_COUNT.toLocaleString("en")} conversations (each with a LID and a BSUID) over ${CLIENT_COUNT.toLocaleString("en")} clients in ${seconds(started)} s`,
  );
}
