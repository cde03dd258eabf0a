/**
 * Recording events off and on again in the bench's running database, to measure writes as they
 * cost before events were recorded, in the same run: the event triggers dropped (their SQL kept
 * to create them again), and `event_context`, which every write's batch opens and closes, made a
 * view whose inserts and deletes write nothing. The batches' few extra statements then touch no
 * row: what is left of the recording is their round trip inside the batch.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type D1Target, executeSql, executeSqlFile } from "../../scripts/lib/wrangler.ts";

const OFF_VIEW = [
  "ALTER TABLE event_context RENAME TO event_context_recording;",
  "CREATE VIEW event_context AS SELECT actor, after_seq FROM event_context_recording WHERE 0;",
  "CREATE TRIGGER event_context_not_recorded INSTEAD OF INSERT ON event_context BEGIN SELECT 1; END;",
  "CREATE TRIGGER event_context_not_cleared INSTEAD OF DELETE ON event_context BEGIN SELECT 1; END;",
];
const ON_AGAIN = [
  "DROP TRIGGER event_context_not_recorded;",
  "DROP TRIGGER event_context_not_cleared;",
  "DROP VIEW event_context;",
  "ALTER TABLE event_context_recording RENAME TO event_context;",
];

function runFile(target: D1Target, statements: readonly string[]): void {
  const dir = mkdtempSync(join(tmpdir(), "csl-bench-events-"));
  try {
    const file = join(dir, "switch.sql");
    writeFileSync(file, `${statements.join("\n")}\n`);
    executeSqlFile(target, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Turns event recording off in `target`'s database; answers the function that turns it on again. */
export function recordingOff(target: D1Target): () => void {
  const triggers = executeSql(
    target,
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND (sql LIKE '%INSERT INTO `events`%' OR sql LIKE '%INSERT INTO `event_outbox`%')",
  ).map((row) => ({ name: String(row.name), sql: String(row.sql) }));
  if (triggers.length === 0) throw new Error("no event trigger found: is the database migrated?");
  runFile(target, [...triggers.map(({ name }) => `DROP TRIGGER \`${name}\`;`), ...OFF_VIEW]);
  return () => runFile(target, [...ON_AGAIN, ...triggers.map(({ sql }) => `${sql};`)]);
}
