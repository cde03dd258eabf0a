/**
 * The throwaway database of a run: the migrations, the 100,000 conversations with their LIDs and
 * the bench's token, loaded with wrangler into the run's `--persist-to` directory, then counted.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { insertTokenSql } from "../../scripts/lib/tokens.ts";
import { applyMigrations, type D1Target, executeSql, executeSqlFile } from "../../scripts/lib/wrangler.ts";
import { CHAT_COUNT, CLIENT_COUNT, seedSql } from "./data.ts";
import { seconds } from "./load.ts";
import { BENCH_CONFIG } from "./server.ts";

/** Loads the data set and `token` (`clients:read`) into a new local D1 in `dataDir`, and checks the counts. */
export async function loadDatabase(dataDir: string, token: string): Promise<void> {
  const started = performance.now();
  mkdirSync(dataDir, { recursive: true });
  const local: D1Target = { remote: false, persistTo: dataDir, config: BENCH_CONFIG };
  applyMigrations(local);
  const sqlPath = join(dataDir, "seed.sql");
  const tokenSql = await insertTokenSql(token, {
    name: "bench",
    scopes: ["clients:read"],
    sessions: null,
    expiresAt: null,
  });
  writeFileSync(sqlPath, `${seedSql()}${tokenSql}\n`);
  executeSqlFile(local, sqlPath);
  const [row] = executeSql(
    local,
    "SELECT (SELECT count(*) FROM conversation) AS conversations, (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM chat_ids) AS ids",
  );
  if (row?.conversations !== CHAT_COUNT || row.clients !== CLIENT_COUNT || row.ids !== 2 * CHAT_COUNT) {
    throw new Error(
      `the database holds ${JSON.stringify(row)}, not ${CHAT_COUNT} conversations with a chat id and a LID each`,
    );
  }
  console.log(
    `Loaded ${CHAT_COUNT.toLocaleString("en")} conversations (each with a LID) over ${CLIENT_COUNT.toLocaleString("en")} clients in ${seconds(started)} s`,
  );
}
