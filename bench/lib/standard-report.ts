/**
 * The standard run's report: the notes that explain its numbers (the hot run's refresh reads,
 * token checks, unattributed calls, the Zipf floors), and the text of bench/results/latest.md.
 */
import { DEFAULT_CACHE_POLICY } from "../../src/cache/policy.ts";
import type { AppSettings } from "./app-config.ts";
import { costTable, kvCostNote, PRICES } from "./cost.ts";
import { type ProbeResult, probeLines } from "./probe.ts";
import {
  environmentLines,
  logSection,
  markdownTable,
  type ScenarioResult,
  type Target,
  targetLines,
  tierOf,
  tierTable,
  writesTable,
} from "./report.ts";
import { HOT_CHATS } from "./scenarios.ts";
import type { Settings } from "./settings.ts";
import { timesInWords, warmMeaning, windowUse, type ZipfReport } from "./warm-zipf.ts";

/** Storage calls the Worker could not tie to a lookup: there should be none. */
export function outsideNote(result: ScenarioResult): string | null {
  const outside = result.counters.byTier.outside;
  if (outside === undefined) return null;
  const calls = outside.d1Statements + outside.kvReads + outside.kvWrites + outside.kvDeletes;
  return calls === 0
    ? null
    : `${calls} storage calls in the \`${result.name}\` run were made outside any lookup's context, so are attributed to no tier`;
}

/** What the hot run's lookups that memory did not answer were: the memory entries' refreshes. */
export function hotRefreshNote(hot: ScenarioResult, settings: Settings, app: AppSettings): string {
  const memory = tierOf(hot, "memory");
  const others = hot.counters.lookups - memory.lookups;
  const kv = tierOf(hot, "kv");
  const d1 = tierOf(hot, "d1");
  // Every hot chat is first stored in memory at the start of the warm-up, so the entries expire
  // together, at whole multiples of the TTL after it: count those within the measured run (which
  // starts 300 ms after the warm-up, and is counted until 300 ms after it ends).
  const ttl = app.memoryTtlMs / 1000;
  const from = settings.warmupSeconds + 0.3;
  const to = from + settings.durationSeconds + 0.3;
  const moments = ttl > 0 ? Math.max(0, Math.floor(to / ttl) - Math.floor(from / ttl)) : 0;
  const kvPerK = hot.counters.lookups === 0 ? 0 : (hot.counters.kv.reads * 1000) / hot.counters.lookups;
  return [
    `The refresh reads of \`hot\`: ${others} of its ${hot.counters.lookups} lookups were not answered from memory (${kv.lookups} from KV with ${kv.kvReads} KV reads, ${d1.lookups} from D1), ${hot.counters.kv.reads} KV reads in all (${kvPerK.toFixed(1)} per 1,000 lookups at this rate).`,
    app.memoryTtlMs > 0
      ? `A memory entry lives \`MEMORY_CACHE_TTL_MS\` = ${app.memoryTtlMs} ms from when it was stored, and hits do not extend it, so each of the ${HOT_CHATS} hot chats goes back to KV once every ${ttl} s, however many lookups it serves: about ${HOT_CHATS} KV reads per ${ttl} s. All ${HOT_CHATS} were first stored at the start of the warm-up, so they expire together, ${ttl} s, ${2 * ttl} s, … after it; ${moments} such moment${moments === 1 ? "" : "s"} fell within this measured run: ≈${HOT_CHATS * moments} KV reads expected. They are the memory tier's expiry, not a cost of the lookups memory answers.`
      : "The memory tier is off (`MEMORY_CACHE_TTL_MS` = 0).",
  ].join(" ");
}

/** More than one token check in one run: the token cache expired with requests in flight. */
export function tokenHerdNotes(results: readonly ScenarioResult[]): string[] {
  return results
    .filter((result) => result.counters.d1.tokenStatements > 1)
    .map(
      (result) =>
        `Note: ${result.counters.d1.tokenStatements} token checks in the \`${result.name}\` run, all for the same token: when its 30 s entry in the token cache expired, every request in flight queried D1 on its own (up to one per connection).`,
    );
}

interface StandardReport {
  results: readonly ScenarioResult[];
  targets: readonly Target[];
  settings: Settings;
  baselineRates: readonly number[];
  logLines: readonly string[];
  zipf: ZipfReport;
  app: AppSettings;
  probe: ProbeResult | null;
}

/** The "Cold and warm Zipf" section: what warm means, and what no cache can avoid in each. */
function zipfLines(zipf: ZipfReport, app: AppSettings): string[] {
  const lines: string[] = [];
  const { cold, warm } = zipf;
  if (cold === null && warm === null) return lines;
  lines.push("## Cold and warm Zipf", "");
  if (warm !== null) {
    const wrapped = windowUse(warm.sent, warm.window.chats.length);
    lines.push(
      `${warmMeaning(app.kvTtlSeconds)} The bench looks up, memory tier off, each distinct chat of the next ${warm.window.chats.length.toLocaleString("en")} requests of the sequence ${timesInWords(DEFAULT_CACHE_POLICY.lookups.kv.admission.missesBeforeWrite)} (${warm.window.distinct.toLocaleString("en")} chats in ${warm.prewarmSeconds.toFixed(1)} s, ${warm.alreadyCached.toLocaleString("en")} of them answered from KV already, put there by earlier runs), then replays exactly those requests${wrapped}. In that window ${warm.firstSeenPerK.toFixed(1)} lookups per 1,000 ask for a chat not in KV, and ${warm.notRecentPerK.toFixed(1)} per 1,000 for a chat not asked in the ${warm.memoryWindow.toLocaleString("en")} requests before (one \`MEMORY_CACHE_TTL_MS\` at the measured rate), which the memory tier cannot hold, so must at least read KV. The Zipf targets are judged on this row.`,
      "",
    );
  }
  if (cold !== null) {
    lines.push(
      `**Cold** is the same sequence from its start, with only the hot and KV sets in KV: what a location sees in its first seconds. What no cache can avoid there, from the replayed sequence itself: ${cold.firstSeenPerK.toFixed(1)} lookups per 1,000 ask for a chat never asked before in this run (nor pre-warmed), so must reach D1 (a floor: a chat's next miss, once memory has let it go, reads D1 again, since only that miss puts it in KV); ${cold.notRecentPerK.toFixed(1)} per 1,000 ask for a chat not asked in the ${cold.memoryWindow.toLocaleString("en")} requests before (one \`MEMORY_CACHE_TTL_MS\` at the measured rate), so must at least reach KV.`,
      "",
    );
  }
  return lines;
}

/** The "What it costs" section: the bill per million lookups, by scenario and by what is billed. */
function costLines(results: readonly ScenarioResult[]): string[] {
  const note = kvCostNote(new Map(results.map((result) => [result.name, result])));
  return [
    "## What it costs",
    "",
    costTable(results),
    "",
    `USD per million lookups on the Workers Paid plan, at Cloudflare's prices as of ${PRICES.asOf} (bench/README.md, "What it costs"): requests $${PRICES.workerRequests} per million, CPU $${PRICES.workerCpuMs} per million CPU-ms, KV $${PRICES.kvKeysRead} per million keys read and $${PRICES.kvWrites} per million writes, deletes and lists, D1 $${PRICES.d1RowsRead} per million rows read and $${PRICES.d1RowsWritten} per million rows written. Marginal cost: what each further lookup adds once the plan's included amounts (10 M requests, 30 M CPU-ms, 10 M KV reads, 1 M KV writes, 25 billion D1 rows read, 50 M rows written a month) are used up; the plan's $5 a month is left out. CPU is the server's measured CPU time per lookup, which also holds wrangler's proxy and the local simulation of D1 and KV: an upper bound of what the Worker itself would be billed.`,
    "",
    ...(note === null ? [] : [note, ""]),
  ];
}

/** The writes section: what a write costs with events recorded, and without, in the same run. */
function writesLines(results: readonly ScenarioResult[]): string[] {
  const table = writesTable(results);
  if (table === "") return [];
  return [
    "## Writes",
    "",
    table,
    "",
    "`writes` links chats to another client and back, each write changing its row and recording its event (`conversation.linked`) in the same batch, and `writes (again)` does so after `writes (events off)`, which continues them on the same database with recording turned off (the event triggers dropped, `event_context` a view that writes nothing: bench/lib/events-switch.ts), as writes cost before events were recorded. Rows written are D1's own `meta.rows_written` of each write's batch: every row and index entry, the triggers' included (the event, its four partial indexes, the `chat_changes` record). No webhook subscription exists: the outbox stays empty.",
    "",
  ];
}

/** The text of bench/results/latest.md. */
export function standardMarkdown(report: StandardReport): string {
  const { results, targets, settings, baselineRates, logLines, zipf, app, probe } = report;
  const baselineRps = baselineRates.reduce((sum, rate) => sum + rate, 0) / baselineRates.length;
  const hot = results.find((result) => result.name === "hot");
  const outside = results.map((result) => outsideNote(result)).filter((note) => note !== null);
  const lines = [
    "# Benchmark: latest run",
    "",
    "Written by `npm run bench` (bench/run.ts). bench/README.md says what each scenario measures and how.",
    "",
    ...environmentLines(settings),
    `- Baseline: ${baselineRps.toFixed(0)} req/s, the mean of ${baselineRates.length} short runs, one before and one after each scenario (${baselineRates.map((rate) => rate.toFixed(0)).join(", ")}); each scenario's ratio is to the mean of the two next to it`,
    `- App settings: wrangler.toml's [vars] (\`MEMORY_CACHE_TTL_MS\` = ${app.memoryTtlMs}, \`CACHE_TTL_SECONDS\` = ${app.kvTtlSeconds})`,
    "",
    "![Requests per second by scenario](latest.svg)",
    "",
    markdownTable(results),
    "",
    "`× baseline`: requests per second over the baseline's. `server CPU ms / req`: CPU time of the server's processes (wrangler and both workerd processes, from /proc) during the run, per request the Worker served; `× baseline by CPU` is the baseline's over the scenario's, what `× baseline` would be on a machine the server had to itself: steadier when other work competes for the cores. Latencies are under full load (every connection busy), so they are mostly queueing; `npm run bench -- --simulate-latency` measures latency at a moderate rate. `errors`: answers other than the scenario's status (200; 404 for `unknown`), connection errors and timeouts. The counts are what bench/worker.ts counted on the `DB` and `CACHE` bindings during the measured run, per 1,000 lookups it served. `zipf (cold)` and `zipf (warm)`: see \"Cold and warm Zipf\" below.",
    "",
    "## Targets (reported, not enforced)",
    "",
    ...targetLines(targets),
    "",
    'The Zipf targets are judged on `zipf (warm)`, besides the bill of `zipf (cold)`; the `hot` storage target on the lookups that memory answered (each lookup is attributed to the tier its `Server-Timing` names, with the storage calls made on its behalf: see "By answering tier").',
    "",
    ...(hot === undefined ? [] : [hotRefreshNote(hot, settings, app), ""]),
    "Token checks (one D1 query per token and Worker instance every 30 s) are left out of the D1 targets and noted where one happened.",
    ...tokenHerdNotes(results).map((note) => `\n${note}`),
    ...outside.map((note) => `\nWarning: ${note}.`),
    "",
    ...zipfLines(zipf, app),
    ...probeLines(probe),
    ...writesLines(results),
    ...costLines(results),
    "## By answering tier",
    "",
    tierTable(results),
    "",
    "Each lookup request (a single lookup, or a batch) counts under the tier its `Server-Timing` header names (for a batch, the deepest tier any of its items needed); every D1 statement and KV call made on its behalf (before its answer, and after it in `waitUntil`) counts with it. Lookups that joined a load another request had already started (one load per chat at a time) answer with that load's tier but made no call of their own, so a tier's calls per request can be under what one load makes.",
    "",
    "## Scenarios",
    "",
    ...results.map((r) => `- \`${r.name}\`: ${r.what}`),
    "",
    "## Counters per scenario",
    "",
    "| Scenario | requests | lookups | of which in batches | statuses | D1 statements | of which token checks | D1 batches | D1 sessions | D1 rows read (meta) | `.raw()` reads, sampled, rows estimated | KV reads | KV keys read | KV writes | KV deletes |",
    "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ...results.map((r) => {
      const c = r.counters;
      const statuses = Object.entries(r.load.statuses)
        .map(([status, count]) => `${status}: ${count}`)
        .join(", ");
      return `| ${r.name} | ${c.requests} | ${c.lookups} | ${c.batchItems} (${c.batches} batches) | ${statuses} | ${c.d1.statements} | ${c.d1.tokenStatements} | ${c.d1.batches} | ${c.d1.sessions} | ${c.d1.rowsRead} | ${c.d1.raw.statements}, ${c.d1.raw.sampled}, ${c.d1.raw.rowsRead} | ${c.kv.reads} | ${c.kv.keysRead} | ${c.kv.writes} | ${c.kv.deletes} |`;
    }),
    "",
    "D1 rows read: the app reads through Drizzle, which runs its selects with `.raw()`, whose results carry no `meta`; bench/worker.ts keeps up to 16 executions of each SQL text per run (a uniform sample) and runs them again with `.all()` once the run is over, and their mean `meta.rows_read` stands for every execution of that text (`rows estimated`). Statements that return `meta` (`.all()`, `.run()`, batches) are counted exactly.",
    "",
  ];
  lines.push(...logSection(logLines));
  return lines.join("\n");
}
