/**
 * `npm run export -- [--out FILE]`: every conversation as NDJSON, the format `npm run import`
 * reads (see docs/import-export.md). Exit codes: 0 done; 1 the export failed; 2 the
 * command line is wrong (nothing was done).
 */
import * as cli from "./lib/command-line.ts";
import { openD1, retryingDroppedConnections } from "./lib/d1.ts";
import { exportConversations } from "./lib/transfer/export-run.ts";
import type { D1Target } from "./lib/wrangler.ts";

const USAGE = `Usage: npm run export -- [--out FILE] [options]

Writes every conversation as NDJSON, one a line, in chat id order:
  {"chat_id":"…","client_id":"…"|null,"session_id":"…"|null,"aliases":["…"]}
the format npm run import reads. The same data always gives the same bytes.

Options:
  --out FILE        write to FILE (it appears once complete) instead of standard output
  -h, --help        print this help

Which database:
${cli.TARGET_USAGE}

Exit codes: 0 done, 1 the export failed, 2 the command line is wrong (nothing was done).`;

interface ExportCommand {
  target: D1Target;
  out: string | undefined;
}

function parse(args: string[]): cli.Parsed<ExportCommand> {
  const line = cli.splitArguments(args, { values: [...cli.TARGET_VALUES, "out"], flags: ["remote"] });
  if (line.flags.has("help")) return { kind: "help" };
  if (line.positionals.length > 0) throw new cli.UsageError(`unexpected argument "${line.positionals[0]}"`);
  const { out } = line.values;
  if (out !== undefined && out.trim() === "") throw new cli.UsageError("--out needs a file name");
  return {
    kind: "run",
    command: {
      target: cli.targetOf(line.values, line.flags.has("remote")),
      out: out === undefined ? undefined : cli.callerPath(out, "export"),
    },
  };
}

async function run({ target, out }: ExportCommand) {
  // An export only reads: a read whose connection dropped can be sent again.
  const db = retryingDroppedConnections(await openD1(target));
  try {
    if (db.migrated) console.error(`Applied the pending migrations to the ${cli.describeTarget(target)}.`);
    const count = await exportConversations(db, out);
    console.error(
      `Exported ${count.toLocaleString("en-US")} conversations from the ${cli.describeTarget(target)}${out ? ` to ${out}` : ""}.`,
    );
  } finally {
    await db.close();
  }
}

process.exitCode = await cli.runCommandLine(USAGE, parse, run);
