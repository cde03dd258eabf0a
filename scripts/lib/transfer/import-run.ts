/**
 * `npm run import`: the file read and checked against itself, then against the database, the
 * changes planned, written in idempotent requests, and the cached answers they made stale
 * removed. A file with any problem writes nothing.
 */
import { CommandError, describeTarget } from "../command-line.ts";
import { openD1, retryingDroppedConnections } from "../d1.ts";
import type { D1Target } from "../wrangler.ts";
import { describePlaceholders, placeholderIds, readWranglerConfig } from "../wrangler-config.ts";
import { collectStaleIds, removeCachedAnswers } from "./cache-invalidation.ts";
import { conversationIds } from "./conversation-ids.ts";
import { FileGroups } from "./groups.ts";
import { type ImportSummary, planImport } from "./plan.ts";
import { Problems } from "./problems.ts";
import { showsProgress } from "./progress.ts";
import { type FileFormat, readImportFile } from "./read-file.ts";
import { ImportScratch } from "./scratch.ts";
import { requestBytes } from "./sql.ts";
import { readStoredState } from "./stored.ts";
import { plannedRows, planStatements, writeStatements } from "./write.ts";

export interface ImportOptions {
  file: string;
  target: D1Target;
  dryRun: boolean;
  quiet: boolean;
  /** Lines that put a stored chat under another client move it (else: a conflict). */
  move: boolean;
}

export interface ImportOutcome {
  format: FileFormat;
  /** Lines of the file, blank ones (and a CSV header) included. */
  lines: number;
  /** The conversations' lines among them. */
  records: number;
  summary: ImportSummary;
  /** The cached answers removed (with `dryRun`: that would be removed). */
  cacheEntries: number;
}

/**
 * Runs an import. What it learns of the file and the database waits in a scratch database on
 * disk (scratch.ts), so its memory does not grow with the file.
 *
 * @throws CommandError with the report when the file has problems (nothing is written), or
 *   with how far it got when writing fails.
 */
export async function runImport(options: ImportOptions): Promise<ImportOutcome> {
  const { file, target, dryRun } = options;
  const progress = showsProgress(options.quiet);
  if (target.remote) await refuseRemotePlaceholders(target);

  const scratch = await ImportScratch.open();
  try {
    const problems = new Problems();
    const groups = new FileGroups(scratch);
    const contents = await readImportFile(file, problems, progress, (record) => groups.add(record, problems));
    groups.joinRepeats(problems);
    if (problems.count > 0) {
      throw new CommandError(
        `${problems.report(file)}\n(The database was not read: conflicts with stored data are checked once the file itself is right.)`,
      );
    }

    // Every request of an import is idempotent: one whose connection dropped can be sent again.
    const db = retryingDroppedConnections(await openD1(target));
    try {
      if (db.migrated) console.error(`Applied the pending migrations to the ${describeTarget(target)}.`);
      const budget = requestBytes(target.remote);
      await readStoredState(db, budget, scratch, progress);
      const summary = planImport(groups, scratch, problems, { move: options.move });
      if (problems.count > 0) throw new CommandError(problems.report(file));

      // The answers a session change or a move makes stale are those found before it: read them first.
      const cacheEntries = await collectStaleIds(db, scratch, budget);
      const outcome = {
        format: contents.format,
        lines: contents.lines,
        records: contents.records,
        summary,
        cacheEntries,
      };
      if (dryRun) return outcome;
      await writeStatements(
        db,
        planStatements(scratch, conversationIds()),
        plannedRows(scratch),
        budget,
        progress,
      );
      await removeCachedAnswers(target, db.kv, scratch);
      return outcome;
    } finally {
      await db.close();
    }
  } finally {
    scratch.close();
  }
}

/** A remote import needs real D1 and KV ids: say which are placeholders before reading anything. */
async function refuseRemotePlaceholders(target: D1Target): Promise<void> {
  const placeholders = placeholderIds(await readWranglerConfig(target.env), target.env).filter(
    (placeholder) =>
      (placeholder.kind === "d1" && placeholder.binding === "DB") ||
      (placeholder.kind === "kv" && placeholder.binding === "CACHE"),
  );
  if (placeholders.length === 0) return;
  throw new CommandError(
    `wrangler.toml still holds placeholder ids for ${target.env ? `--env ${target.env}` : "the top level"}: nothing was read or written.\n${describePlaceholders(placeholders)}`,
  );
}

/** The summary printed at the end, with every count the import changed (or would change). */
export function formatSummary(options: ImportOptions, outcome: ImportOutcome, seconds: number): string {
  const { summary: s } = outcome;
  const n = (value: number) => value.toLocaleString("en-US");
  const where = describeTarget(options.target);
  const head = options.dryRun
    ? `Dry run: nothing was written. Importing ${options.file} into the ${where} would give:`
    : `Imported ${options.file} into the ${where} in ${seconds.toFixed(1)} s:`;
  return [
    head,
    `  lines read:         ${n(outcome.lines)} (${outcome.format === "csv" ? "CSV" : "NDJSON"}), ${n(outcome.records)} record${outcome.records === 1 ? "" : "s"}${outcome.records === 0 ? ": the file holds nothing to import" : ""}`,
    `  conversations:      ${n(s.conversationsCreated)} created, ${n(s.conversationsUpdated)} updated, ${n(s.conversationsUnchanged)} unchanged`,
    ...(options.move ? [`  moved:              ${n(s.conversationsMoved)} to another client`] : []),
    `  merges:             ${n(s.merges)}`,
    `  aliases added:      ${n(s.aliasesAdded)}`,
    `  clients:            ${n(s.clientsCreated)} created, ${n(s.clientsUpdated)} updated, ${n(s.clientsUnchanged)} unchanged`,
    `  KV entries ${options.dryRun ? "to remove" : "removed"}: ${n(outcome.cacheEntries)}`,
  ].join("\n");
}
