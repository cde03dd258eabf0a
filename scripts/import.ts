/**
 * `npm run import -- FILE …`: loads conversations (chat id → client → session, with their
 * aliases) from an NDJSON or CSV file (see docs/import-export.md).
 *
 * The command line is checked before anything is opened; the file is checked whole, against
 * itself and then the database, before anything is written. Exit codes: 0 done; 1 the file has
 * problems (nothing written) or the import failed; 2 the command line is wrong (nothing done).
 */
import { statSync } from "node:fs";
import * as cli from "./lib/command-line.ts";
import { allowSrcImports } from "./lib/src-modules.ts";
import type { ImportOptions } from "./lib/transfer/import-run.ts";

const USAGE = `Usage: npm run import -- FILE [options]

Loads conversations from FILE: NDJSON, one conversation a line,
  {"chat_id":"…","client_id":"…"|null,"session_id":"…","aliases":["…"]}
or CSV with the header chat_id,client_id,session_id,aliases (aliases separated by spaces).
Only adds and updates: nothing is deleted, and a null client_id never unlinks a chat. The whole
file is checked, against itself and the database, before anything is written: a file with any
problem writes nothing and gets a report of its lines. Running the same file again changes nothing.
A line that puts a stored chat under another client is such a problem, unless --move is given.

Options:
  --move            a line that puts a stored chat under another client moves it there (a nightly
                    sync from the system that owns the mapping); counted as moved in the summary
  --dry-run         check the file and plan against the database; print what would change, write nothing
  --quiet           no progress on stderr (shown only on a terminal anyway)
  -h, --help        print this help

Which database:
${cli.TARGET_USAGE}

Exit codes: 0 done, 1 the file has problems or the import failed, 2 the command line is wrong
(nothing was done).`;

function parse(args: string[]): cli.Parsed<ImportOptions> {
  const line = cli.splitArguments(args, {
    values: cli.TARGET_VALUES,
    flags: ["remote", "dry-run", "quiet", "move"],
  });
  if (line.flags.has("help")) return { kind: "help" };
  const [typed, ...extra] = line.positionals;
  if (typed === undefined) throw new cli.UsageError("no FILE given: npm run import -- FILE");
  const file = cli.callerPath(typed, "import");
  if (extra.length > 0) throw new cli.UsageError(`unexpected argument "${extra[0]}": one FILE at a time`);
  const target = cli.targetOf(line.values, line.flags.has("remote"));
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats === undefined) throw new cli.UsageError(`${file}: no such file`);
  if (!stats.isFile()) throw new cli.UsageError(`${file}: not a file`);
  return {
    kind: "run",
    command: {
      file,
      target,
      dryRun: line.flags.has("dry-run"),
      quiet: line.flags.has("quiet"),
      move: line.flags.has("move"),
    },
  };
}

async function run(options: ImportOptions) {
  const started = Date.now();
  // Only now: loading the checks and wrangler is the slow part of a command line mistake.
  allowSrcImports();
  const { formatSummary, runImport } = await import("./lib/transfer/import-run.ts");
  const outcome = await runImport(options);
  console.log(formatSummary(options, outcome, (Date.now() - started) / 1000));
}

process.exitCode = await cli.runCommandLine(USAGE, parse, run);
