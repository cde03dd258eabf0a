/**
 * `npm run bench`: loads 100,000 conversations into a throw-away local D1, serves the real app
 * behind bench/worker.ts with `wrangler dev`, and measures each lookup path with autocannon:
 * requests per second as a ratio to `/health` measured in the same run, latency, and the D1
 * queries and KV reads the Worker counted per 1,000 lookups. See bench/README.md.
 *
 * The Zipf mix runs twice: cold (from the start of its sequence) and warm (a later window of it
 * whose chats are all put in KV first, as in steady state); the Zipf targets are judged warm.
 *
 * `npm run bench -- --simulate-latency [--d1-rtt-ms N] [--kv-rtt-ms N]` instead compares the
 * Zipf mix with every cache tier, cold and warm, against caches off, with storage round trips
 * made slow.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { mintToken } from "../scripts/lib/tokens.ts";
import { PROJECT_ROOT } from "../scripts/lib/wrangler.ts";
import { type AppSettings, appSettings, appVars } from "./lib/app-config.ts";
import {
  CHAT_COUNT,
  type ChatSequence,
  CLIENT_COUNT,
  chatId,
  chatsAsked,
  cycleOf,
  lookupPath,
  unknownChatId,
} from "./lib/data.ts";
import { loadDatabase } from "./lib/database.ts";
import { readCounters, seconds, type TierCounts } from "./lib/load.ts";
import { combined, type Measured, measure, progress, sanityCheck, scenarioResult } from "./lib/measure.ts";
import {
  kvReadsPerThousand,
  lookupD1PerThousand,
  markdownTable,
  type ScenarioResult,
  svgChart,
  type Target,
  targetLines,
  tierMix,
  tierTable,
} from "./lib/report.ts";
import {
  buildMixes,
  HOT_CHATS,
  KV_CHATS,
  lookupsOf,
  prewarmKv,
  type Scenario,
  ZIPF_EXPONENT,
} from "./lib/scenarios.ts";
import { buildWorker, type DevServer, serverLogSummary, startBenchServer } from "./lib/server.ts";
import { readSettings, type Settings, USAGE } from "./lib/settings.ts";
import { prepareWarmWindow, type WarmInfo, windowUse, type ZipfReport, zipfFloors } from "./lib/warm-zipf.ts";

const RESULTS_DIR = join(PROJECT_ROOT, "bench/results");

// ---- the standard run ------------------------------------------------------------------------

async function standardRun(server: DevServer, settings: Settings, token: string, app: AppSettings) {
  const { url } = server;
  const mixes = buildMixes();
  // `--scenarios zipf` selects both Zipf runs.
  const wanted = (name: string) =>
    settings.scenarios === null || settings.scenarios.has(name.split(" ")[0] ?? name);
  let unknownSerial = 0;
  const memoryOff = { "x-bench-memory": "off" };
  // The hot and KV sets go into KV (not memory) before the scenarios: one lookup each.
  const prewarm = [...mixes.hot, ...mixes.kv];

  const baseline: Scenario = {
    name: "baseline",
    what: "`GET /health`: no auth, no storage, the ceiling of this server on this machine; 3 s runs before and after every scenario (p50 and p99: the median of those runs).",
    expectedStatus: 200,
    headers: {},
    nextPath: () => "/health",
  };
  const zipfMix = `Zipf(s=${ZIPF_EXPONENT}) over all ${CHAT_COUNT.toLocaleString("en")} chats, a seeded sequence replayed in order (the top 100 chats take ${(mixes.zipfTop100Share * 100).toFixed(0)}% of requests)`;
  const zipfCold = cycleOf(mixes.zipf);
  const baselineRates: number[] = [];

  // The warm run: the sequence continued after the cold run, over a window whose chats are all
  // put in KV first. Prepared only once the cold run has shown where the sequence stands.
  let warmSequence: ChatSequence | undefined;
  let warm: Omit<WarmInfo, "sent"> | undefined;
  let warmCached = new Set<number>();
  const warmScenario: Scenario = {
    name: "zipf (warm)",
    what: "",
    expectedStatus: 200,
    headers: {},
    nextPath: () => {
      if (warmSequence === undefined) throw new Error("the warm Zipf window was not prepared");
      return lookupPath(chatId(warmSequence.next()));
    },
    prepare: async () => {
      const start = zipfCold.position;
      const cached = new Set([...prewarm, ...chatsAsked(mixes.zipf, 0, start)]);
      // The ceiling seen so far: no lookup mix is answered faster than `/health`.
      const ceiling = Math.max(...baselineRates);
      const expected = ceiling * (settings.warmupSeconds + settings.durationSeconds);
      warm = await prepareWarmWindow(url, token, settings, mixes.zipf, start, expected, cached);
      warmCached = new Set([...cached, ...warm.window.toWarm]);
      warmSequence = cycleOf(warm.window.chats);
      warmScenario.sequence = warmSequence;
      warmScenario.what = `The same mix, continued after the cold run: a window of ${warm.window.chats.length.toLocaleString("en")} requests (from position ${warm.window.start.toLocaleString("en")} of the sequence) whose ${warm.window.distinct.toLocaleString("en")} distinct chats were all looked up once just before, memory tier off (${warm.window.toWarm.length.toLocaleString("en")} of them for this, in ${warm.prewarmSeconds.toFixed(1)} s; ${warm.alreadyCached.toLocaleString("en")} were in KV already from earlier runs), so every one sits in KV, as in a service in steady state, where every chat asked within the KV TTL (${app.kvTtlSeconds} s) is cached. Memory is not pre-filled (the pre-warm bypasses it) and fills during the warm-up.`;
    },
  };

  const all: Scenario[] = [
    {
      name: "hot",
      what: `${HOT_CHATS} chats, already in KV, asked again and again: the memory tier's case.`,
      expectedStatus: 200,
      headers: {},
      ...lookupsOf(cycleOf(mixes.hot)),
    },
    {
      name: "kv",
      what: `${KV_CHATS.toLocaleString("en")} chats already in KV, with \`x-bench-memory: off\`: the KV tier alone.`,
      expectedStatus: 200,
      headers: memoryOff,
      ...lookupsOf(cycleOf(mixes.kv)),
    },
    {
      name: "d1",
      what: `The same ${KV_CHATS.toLocaleString("en")} chats with \`Cache-Control: no-cache\`: every lookup must read D1.`,
      expectedStatus: 200,
      headers: { "Cache-Control": "no-cache" },
      ...lookupsOf(cycleOf(mixes.kv)),
    },
    {
      name: "unknown",
      what: "Chat ids no conversation has, a new one for every request: 404, nothing to cache.",
      expectedStatus: 404,
      headers: {},
      nextPath: () => lookupPath(unknownChatId(unknownSerial++)),
    },
    {
      name: "zipf (cold)",
      what: `${zipfMix}, from its start: only the hot and KV sets are in KV, so many lookups ask for a chat for the first time and must reach D1.`,
      expectedStatus: 200,
      headers: {},
      ...lookupsOf(zipfCold),
    },
    warmScenario,
  ];
  const scenarios = all.filter((scenario) => wanted(scenario.name));

  console.log(
    `\nScenarios: ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured each, ${settings.connections} connections`,
  );
  if (["hot", "kv", "d1", "zipf"].some(wanted)) await prewarmKv(url, token, prewarm, settings);

  // A short baseline before and after every scenario: on a shared machine the ceiling moves
  // within a minute, so each scenario is compared with the baselines measured next to it.
  const baselineSettings: Settings = {
    ...settings,
    warmupSeconds: Math.min(settings.warmupSeconds, 0.5),
    durationSeconds: Math.min(settings.durationSeconds, 3),
  };
  const baselines: Measured[] = [];
  const runBaseline = async () => {
    const result = await measure(server, baseline, baselineSettings, token);
    progress("baseline", result, 200);
    baselines.push(result);
    baselineRates.push(result.load.requestsPerSecond);
    return result.load.requestsPerSecond;
  };
  let before = await runBaseline();
  const measured: { scenario: Scenario; result: Measured; baselineRps: number }[] = [];
  for (const scenario of scenarios) {
    await scenario.prepare?.();
    const result = await measure(server, scenario, settings, token);
    progress(scenario.name, result, scenario.expectedStatus);
    const after = await runBaseline();
    measured.push({ scenario, result, baselineRps: (before + after) / 2 });
    before = after;
  }

  const baselineRps = baselineRates.reduce((sum, rate) => sum + rate, 0) / baselineRates.length;
  const allBaselines = combined(baselines);
  const baselineCpu =
    allBaselines.cpuMs === null || allBaselines.counters.requests === 0
      ? null
      : allBaselines.cpuMs / allBaselines.counters.requests;
  const results = [
    scenarioResult(baseline, allBaselines, baselineRps, baselineCpu),
    ...measured.map(({ scenario, result, baselineRps }) =>
      scenarioResult(scenario, result, baselineRps, baselineCpu),
    ),
  ];
  const spread = (Math.max(...baselineRates) - Math.min(...baselineRates)) / baselineRps;

  const runOf = (name: string) => measured.find(({ scenario }) => scenario.name === name)?.result;
  const coldRun = runOf("zipf (cold)");
  const warmRun = runOf("zipf (warm)");
  const zipf: ZipfReport = {
    cold: coldRun === undefined ? null : zipfFloors(mixes.zipf, coldRun, new Set(prewarm), app.memoryTtlMs),
    warm:
      warmRun === undefined || warm === undefined
        ? null
        : {
            ...zipfFloors(warm.window.chats, warmRun, warmCached, app.memoryTtlMs),
            ...warm,
            sent: warmRun.to,
          },
  };

  const targets = evaluateTargets(new Map(results.map((result) => [result.name, result])), zipf);
  const logLines = serverLogSummary(server.options.logPath);

  const table = markdownTable(results);
  console.log(`\n${table}\n`);
  console.log("Targets (reported, not enforced):");
  for (const line of targetLines(targets)) console.log(line);
  const hot = results.find((result) => result.name === "hot");
  if (hot !== undefined) console.log(`\n${hotRefreshNote(hot, settings, app)}`);
  const outside = results.map((result) => outsideNote(result)).filter((note) => note !== null);
  for (const note of outside) console.warn(`\nwarning: ${note}`);
  if (spread > 0.3) {
    console.warn(
      `\nwarning: the baseline runs ranged over ${(spread * 100).toFixed(0)}% of their mean (${baselineRates.map((rate) => rate.toFixed(0)).join(", ")} req/s): the machine is noisy, ratios are rough`,
    );
  }
  for (const note of tokenHerdNotes(results)) console.warn(`\n${note}`);
  const fiveHundreds = results.reduce((sum, result) => sum + result.serverErrors, 0);
  if (fiveHundreds > 0) console.error(`\n!!! ${fiveHundreds} answers with a 5xx status in total !!!`);
  if (logLines.length > 0) {
    console.error("\nWarnings and errors in the server's output:");
    for (const line of logLines.slice(0, 10)) console.error(`  ${line}`);
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, "latest.md"),
    standardMarkdown({ results, targets, settings, baselineRates, logLines, zipf, app }),
  );
  writeFileSync(
    join(RESULTS_DIR, "latest.svg"),
    svgChart(
      results,
      baselineRps,
      `Requests per second by scenario, ${new Date().toISOString().slice(0, 10)}`,
    ),
  );
  console.log("\nWrote bench/results/latest.md and bench/results/latest.svg");
}

const NO_LOOKUPS: TierCounts = {
  lookups: 0,
  d1Statements: 0,
  tokenStatements: 0,
  kvReads: 0,
  kvWrites: 0,
  kvDeletes: 0,
};

function tier(result: ScenarioResult, name: string): TierCounts {
  return result.counters.byTier[name] ?? NO_LOOKUPS;
}

/** Storage calls the Worker could not tie to a lookup: there should be none. */
function outsideNote(result: ScenarioResult): string | null {
  const outside = result.counters.byTier.outside;
  if (outside === undefined) return null;
  const calls = outside.d1Statements + outside.kvReads + outside.kvWrites + outside.kvDeletes;
  return calls === 0
    ? null
    : `${calls} storage calls in the \`${result.name}\` run were made outside any lookup's context, so are attributed to no tier`;
}

/** What the hot run's lookups that memory did not answer were: the memory entries' refreshes. */
function hotRefreshNote(hot: ScenarioResult, settings: Settings, app: AppSettings): string {
  const memory = tier(hot, "memory");
  const others = hot.counters.lookups - memory.lookups;
  const kv = tier(hot, "kv");
  const d1 = tier(hot, "d1");
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

function evaluateTargets(byName: Map<string, ScenarioResult>, zipf: ZipfReport): Target[] {
  const targets: Target[] = [];
  const target = (name: string, label: string, check: (result: ScenarioResult) => [boolean, string]) => {
    const result = byName.get(name);
    if (result === undefined) {
      targets.push({ label, pass: null, measured: "not run" });
      return;
    }
    const [pass, measured] = check(result);
    targets.push({ label, pass, measured });
  };
  const tokenNote = (tokenStatements: number) =>
    tokenStatements > 0
      ? ` (+${tokenStatements} token check${tokenStatements > 1 ? "s" : ""}, left out)`
      : "";

  const byCpu = (r: ScenarioResult) =>
    r.cpuRatio === null ? "" : ` (by server CPU per request: ${r.cpuRatio.toFixed(2)}×)`;
  target("hot", "hot ≥ 0.9× baseline req/s", (r) => [r.ratio >= 0.9, `${r.ratio.toFixed(2)}×${byCpu(r)}`]);
  target("zipf (warm)", "zipf (warm) ≥ 0.8× baseline req/s", (r) => [
    r.ratio >= 0.8,
    `${r.ratio.toFixed(2)}×${byCpu(r)}`,
  ]);
  const warm = zipf.warm;
  target("zipf (warm)", "zipf (warm) ≤ 10 D1 queries / 1k lookups", (r) => {
    const value = lookupD1PerThousand(r) ?? 0;
    const floor = warm
      ? `; first-time chats: ${warm.firstSeenPerK.toFixed(1)} (every chat of the window was pre-warmed)`
      : "";
    return [value <= 10, `${value.toFixed(1)}${tokenNote(r.counters.d1.tokenStatements)}${floor}`];
  });
  target("zipf (warm)", "zipf (warm) ≤ 100 KV reads / 1k lookups", (r) => {
    const value = kvReadsPerThousand(r) ?? 0;
    const floor = warm
      ? `; chats not asked in the previous ${warm.memoryWindow.toLocaleString("en")} requests (one memory TTL at this rate), which memory cannot hold, are ${warm.notRecentPerK.toFixed(1)}`
      : "";
    return [value <= 100, `${value.toFixed(1)}${floor}`];
  });
  target("d1", "d1: exactly 1 D1 query per lookup", (r) => {
    const value = (lookupD1PerThousand(r) ?? 0) / 1_000;
    return [
      Math.abs(value - 1) < 0.005,
      `${value.toFixed(3)} per lookup${tokenNote(r.counters.d1.tokenStatements)}`,
    ];
  });
  target("d1", "d1: at most 1 KV read per lookup", (r) => {
    const value = (kvReadsPerThousand(r) ?? 0) / 1_000;
    return [value <= 1, `${value.toFixed(3)} per lookup`];
  });
  target("hot", "hot: lookups answered from memory make 0 D1 queries and 0 KV reads", (r) => {
    const memory = tier(r, "memory");
    const queries = memory.d1Statements - memory.tokenStatements;
    const share = r.counters.lookups === 0 ? 0 : (memory.lookups * 100) / r.counters.lookups;
    return [
      memory.lookups > 0 && queries === 0 && memory.kvReads === 0,
      `${memory.lookups} of ${r.counters.lookups} lookups (${share.toFixed(1)}%) answered from memory, with ${queries} D1 queries${tokenNote(memory.tokenStatements)} and ${memory.kvReads} KV reads among them; the other ${r.counters.lookups - memory.lookups} are the memory entries' refreshes (below)`,
    ];
  });
  return targets;
}

/** More than one token check in one run: the token cache expired with requests in flight. */
function tokenHerdNotes(results: readonly ScenarioResult[]): string[] {
  return results
    .filter((result) => result.counters.d1.tokenStatements > 1)
    .map(
      (result) =>
        `Note: ${result.counters.d1.tokenStatements} token checks in the \`${result.name}\` run, all for the same token: when its 30 s entry in the token cache expired, every request in flight queried D1 on its own (up to one per connection).`,
    );
}

function environmentLines(settings: Settings): string[] {
  const cpu = cpus();
  const wranglerVersion = (
    JSON.parse(readFileSync(join(PROJECT_ROOT, "node_modules/wrangler/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  const load = settings.rate === undefined ? "as fast as answered (closed loop)" : `${settings.rate} req/s`;
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" / ")} at the end; shared with other work, so only ratios within one run mean much`,
    `- Node ${process.version}, wrangler ${wranglerVersion}: \`wrangler dev\` with local workerd, D1 and KV, the Worker built once at the start`,
    `- Load: autocannon in the same process, ${settings.connections} connections, ${load}, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured per scenario`,
    `- Data: ${CHAT_COUNT.toLocaleString("en")} conversations over ${CLIENT_COUNT.toLocaleString("en")} clients, one token (\`clients:read\`)`,
    settings.rateLimiter
      ? "- Per-token rate limiter (`RATE_LIMITER`): in the request path, with a limit the bench never reaches"
      : "- Per-token rate limiter: off (`--no-rate-limiter`)",
  ];
}

interface StandardReport {
  results: readonly ScenarioResult[];
  targets: readonly Target[];
  settings: Settings;
  baselineRates: readonly number[];
  logLines: readonly string[];
  zipf: ZipfReport;
  app: AppSettings;
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
      `**Warm** means: every chat the measured window asks for was looked up once, within the KV TTL (\`CACHE_TTL_SECONDS\` = ${app.kvTtlSeconds} s), before the window starts, so its answer sits in KV, as in a service in steady state, where every chat asked in the last ${app.kvTtlSeconds} s is cached; memory is not pre-filled (the pre-warm bypasses it) and fills during the warm-up. The bench does this by looking up, with the memory tier off, the distinct chats of the next ${warm.window.chats.length.toLocaleString("en")} requests of the sequence (${warm.window.distinct.toLocaleString("en")} chats: ${warm.window.toWarm.length.toLocaleString("en")} looked up for this in ${warm.prewarmSeconds.toFixed(1)} s, ${warm.alreadyCached.toLocaleString("en")} already in KV from earlier runs), then replaying exactly those requests${wrapped}. In that window ${warm.firstSeenPerK.toFixed(1)} lookups per 1,000 ask for a chat not in KV, and ${warm.notRecentPerK.toFixed(1)} per 1,000 for a chat not asked in the ${warm.memoryWindow.toLocaleString("en")} requests before (one \`MEMORY_CACHE_TTL_MS\` at the measured rate), which the memory tier cannot hold, so must at least read KV. The Zipf targets are judged on this row.`,
      "",
    );
  }
  if (cold !== null) {
    lines.push(
      `**Cold** is the same sequence from its start, with only the hot and KV sets in KV: what a location sees in its first seconds. What no cache can avoid there, from the replayed sequence itself: ${cold.firstSeenPerK.toFixed(1)} lookups per 1,000 ask for a chat never asked before in this run (nor pre-warmed), so must reach D1; ${cold.notRecentPerK.toFixed(1)} per 1,000 ask for a chat not asked in the ${cold.memoryWindow.toLocaleString("en")} requests before (one \`MEMORY_CACHE_TTL_MS\` at the measured rate), so must at least reach KV.`,
      "",
    );
  }
  return lines;
}

function standardMarkdown(report: StandardReport): string {
  const { results, targets, settings, baselineRates, logLines, zipf, app } = report;
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
    'The Zipf targets are judged on `zipf (warm)`; the `hot` storage target on the lookups that memory answered (each lookup is attributed to the tier its `Server-Timing` names, with the storage calls made on its behalf: see "By answering tier").',
    "",
    ...(hot === undefined ? [] : [hotRefreshNote(hot, settings, app), ""]),
    "Token checks (one D1 query per token and Worker instance every 30 s) are left out of the D1 targets and noted where one happened.",
    ...tokenHerdNotes(results).map((note) => `\n${note}`),
    ...outside.map((note) => `\nWarning: ${note}.`),
    "",
    ...zipfLines(zipf, app),
    "## By answering tier",
    "",
    tierTable(results),
    "",
    "Each lookup counts under the tier its `Server-Timing` header names; every D1 statement and KV call made on its behalf (before its answer, and after it in `waitUntil`) counts with it. Lookups that joined a load another lookup had already started (one load per chat at a time) answer with that load's tier but made no call of their own, so a tier's calls per lookup can be under what one load makes.",
    "",
    "## Scenarios",
    "",
    ...results.map((r) => `- \`${r.name}\`: ${r.what}`),
    "",
    "## Counters per scenario",
    "",
    "| Scenario | lookups | statuses | D1 statements | of which token checks | D1 batches | D1 sessions | KV reads | KV writes | KV deletes |",
    "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.map((r) => {
      const c = r.counters;
      const statuses = Object.entries(r.load.statuses)
        .map(([status, count]) => `${status}: ${count}`)
        .join(", ");
      return `| ${r.name} | ${c.lookups} | ${statuses} | ${c.d1.statements} | ${c.d1.tokenStatements} | ${c.d1.batches} | ${c.d1.sessions} | ${c.kv.reads} | ${c.kv.writes} | ${c.kv.deletes} |`;
    }),
    "",
  ];
  if (logLines.length > 0) {
    lines.push(
      "## Warnings and errors in the server's output",
      "",
      ...logLines.slice(0, 20).map((l) => `- ${l}`),
      "",
    );
  }
  return lines.join("\n");
}

// ---- latency simulation ----------------------------------------------------------------------

async function latencyRun(
  server: DevServer,
  settings: Settings,
  token: string,
  app: AppSettings,
): Promise<void> {
  const { url } = server;
  const mixes = buildMixes();
  const zipfCold = cycleOf(mixes.zipf);
  const rate = settings.rate ?? 50;
  // Filled in by the warm row's preparation, replayed by the warm and the caches-off rows.
  let warm: Omit<WarmInfo, "sent"> | undefined;
  let warmCached = new Set<number>();
  let warmSequence: ChatSequence | undefined;
  const windowPath = () => {
    if (warmSequence === undefined) throw new Error("the warm Zipf window was not prepared");
    return lookupPath(chatId(warmSequence.next()));
  };
  const warmRow: Scenario = {
    name: "zipf, all tiers (warm)",
    what: "",
    expectedStatus: 200,
    headers: {},
    nextPath: windowPath,
    prepare: async () => {
      const start = zipfCold.position;
      const cached = chatsAsked(mixes.zipf, 0, start);
      const expected = rate * (settings.warmupSeconds + settings.durationSeconds) + settings.connections;
      warm = await prepareWarmWindow(url, token, settings, mixes.zipf, start, expected, cached);
      warmCached = new Set([...cached, ...warm.window.toWarm]);
      warmSequence = cycleOf(warm.window.chats);
      warmRow.sequence = warmSequence;
    },
  };
  const offRow: Scenario = {
    name: "zipf, caches off",
    what: "The warm row's requests again, from the start of its window, with `Cache-Control: no-cache`: every lookup reads D1.",
    expectedStatus: 200,
    headers: { "Cache-Control": "no-cache" },
    nextPath: windowPath,
    prepare: async () => {
      if (warm === undefined) throw new Error("the warm Zipf window was not prepared");
      warmSequence = cycleOf(warm.window.chats);
      offRow.sequence = warmSequence;
    },
  };
  const scenarios: Scenario[] = [
    {
      name: "zipf, all tiers (cold)",
      what: "The Zipf mix from its start through memory, KV and D1, nothing in KV beforehand.",
      expectedStatus: 200,
      headers: {},
      ...lookupsOf(zipfCold),
    },
    warmRow,
    offRow,
  ];
  console.log(
    `\nLatency simulation: +${settings.d1RttMs} ms per D1 round trip, +${settings.kvRttMs} ms per KV call; ${settings.rate} req/s over ${settings.connections} connections, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured`,
  );
  const counted = await readCounters(url);
  if (counted.rttMs.d1 !== settings.d1RttMs || counted.rttMs.kv !== settings.kvRttMs) {
    throw new Error(
      `the bench Worker runs with ${JSON.stringify(counted.rttMs)}, not the round trips asked for`,
    );
  }
  const results: ScenarioResult[] = [];
  const runs: Measured[] = [];
  for (const scenario of scenarios) {
    await scenario.prepare?.();
    const result = await measure(server, scenario, settings, token);
    progress(scenario.name, result, scenario.expectedStatus);
    runs.push(result);
    results.push(scenarioResult(scenario, result, 0));
  }
  const [coldRun, warmRun] = runs;
  const coldFloors =
    coldRun === undefined ? null : zipfFloors(mixes.zipf, coldRun, new Set(), app.memoryTtlMs);
  const warmFloors =
    warmRun === undefined || warm === undefined
      ? null
      : zipfFloors(warm.window.chats, warmRun, warmCached, app.memoryTtlMs);

  const header = [
    "| Mix | req/s | p50 ms | p99 ms | errors | answered by | D1 / 1k lookups | KV reads / 1k |",
    "| --- | ---: | ---: | ---: | --- | --- | ---: | ---: |",
  ];
  const rows = results.map((r) => {
    const d1 = lookupD1PerThousand(r);
    const kv = kvReadsPerThousand(r);
    return `| ${r.name} | ${r.load.requestsPerSecond.toFixed(0)} | ${r.load.p50Ms} | ${r.load.p99Ms} | ${r.unexpected} | ${tierMix(r.counters)} | ${d1 === null ? "–" : d1.toFixed(1)} | ${kv === null ? "–" : kv.toFixed(1)} |`;
  });
  const table = [...header, ...rows].join("\n");
  console.log(`\n${table}\n`);
  const logLines = serverLogSummary(server.options.logPath);
  if (logLines.length > 0) {
    console.error("Warnings and errors in the server's output:");
    for (const line of logLines.slice(0, 10)) console.error(`  ${line}`);
  }
  const [cold, warmResult, off] = results;
  const paragraphs: string[] = [];
  if (cold && warmResult && off) {
    paragraphs.push(
      `Warm, with every tier, the median lookup took ${warmResult.load.p50Ms} ms and the 99th percentile ${warmResult.load.p99Ms} ms; with caches off, over the same requests, ${off.load.p50Ms} ms and ${off.load.p99Ms} ms; cold, with every tier, ${cold.load.p50Ms} ms and ${cold.load.p99Ms} ms. For scale: a memory hit waits for no round trip, a KV hit for one KV read (${settings.kvRttMs} ms), a lookup that misses memory and KV for a KV read and then a D1 query (${settings.kvRttMs} + ${settings.d1RttMs} = ${settings.kvRttMs + settings.d1RttMs} ms), one with caches off for one D1 query (${settings.d1RttMs} ms).`,
    );
  }
  if (warm !== undefined && warmFloors !== null) {
    paragraphs.push(
      `**Warm** means: every chat the measured window asks for was looked up once, within the KV TTL (\`CACHE_TTL_SECONDS\` = ${app.kvTtlSeconds} s), before the window starts, so its answer sits in KV, as in a service in steady state, where every chat asked in the last ${app.kvTtlSeconds} s is cached; memory is not pre-filled (the pre-warm bypasses it) and fills during the warm-up. The bench looks up, memory tier off, the distinct chats of the next ${warm.window.chats.length.toLocaleString("en")} requests of the sequence after the cold row (${warm.window.distinct.toLocaleString("en")} chats: ${warm.window.toWarm.length.toLocaleString("en")} in ${warm.prewarmSeconds.toFixed(1)} s, ${warm.alreadyCached.toLocaleString("en")} already in KV from the cold row), then replays those requests${warmRun === undefined ? "" : windowUse(warmRun.to, warm.window.chats.length)}; the caches-off row replays the same requests again. In the warm window ${warmFloors.firstSeenPerK.toFixed(0)} lookups per 1,000 ask for a chat not in KV, and ${warmFloors.notRecentPerK.toFixed(0)} per 1,000 for a chat not asked in the ${warmFloors.memoryWindow.toLocaleString("en")} requests before (one \`MEMORY_CACHE_TTL_MS\` at this rate), which must at least read KV.`,
    );
  }
  if (coldFloors !== null) {
    paragraphs.push(
      `**Cold** is the same sequence from its start with nothing in KV, a location's first seconds: in its measured window ${coldFloors.firstSeenPerK.toFixed(0)} lookups per 1,000 asked for a chat for the first time in this run, which no cache can serve, and which pay both round trips (KV, then D1): that is why cold all-tiers can have a worse tail than caches off.`,
    );
  }
  const markdown = [
    "# Benchmark: latency simulation",
    "",
    'Written by `npm run bench -- --simulate-latency` (bench/run.ts); see bench/README.md, "Latency simulation".',
    "",
    ...environmentLines(settings),
    `- Simulated round trips, added by bench/worker.ts before each call: **${settings.d1RttMs} ms per D1 query** (or batch) and **${settings.kvRttMs} ms per KV call** (every KV call is treated as a miss of the location's cache: the worst case for the KV tier)`,
    `- App settings: wrangler.toml's [vars] (\`MEMORY_CACHE_TTL_MS\` = ${app.memoryTtlMs}, \`CACHE_TTL_SECONDS\` = ${app.kvTtlSeconds})`,
    "",
    table,
    "",
    "`answered by`: lookups by the tier their `Server-Timing` header names.",
    "",
    ...paragraphs.flatMap((paragraph) => [paragraph, ""]),
    "Token checks (one D1 query per token and Worker instance every 30 s) are left out of the D1 column.",
    "",
    ...(logLines.length > 0
      ? [
          "## Warnings and errors in the server's output",
          "",
          ...logLines.slice(0, 20).map((l) => `- ${l}`),
          "",
        ]
      : []),
  ].join("\n");
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, "latency.md"), markdown);
  console.log("Wrote bench/results/latency.md");
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let settings: Settings | null;
  try {
    settings = readSettings();
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (settings === null) {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), "csl-bench-"));
  // Interrupted (Ctrl-C): exit, so that the exit hooks kill the server and remove the directory.
  let removeOnExit = !settings.keepData;
  process.on("exit", () => {
    if (removeOnExit) rmSync(workDir, { recursive: true, force: true });
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the benchmark server`);
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
  }
  let server: DevServer | undefined;
  let failed = false;
  try {
    const vars = appVars();
    const app = appSettings(vars);
    if (settings.simulateLatency) {
      vars.BENCH_D1_RTT_MS = String(settings.d1RttMs);
      vars.BENCH_KV_RTT_MS = String(settings.kvRttMs);
    }
    if (!settings.rateLimiter) vars.BENCH_RATE_LIMITER = "off";
    const token = mintToken();
    console.log(`Working directory: ${workDir}`);
    await loadDatabase(join(workDir, "state"), token);
    let since = performance.now();
    const script = buildWorker(join(workDir, "build"));
    console.log(`Built the Worker in ${seconds(since)} s`);
    since = performance.now();
    server = await startBenchServer({
      script,
      persistTo: join(workDir, "state"),
      vars,
      logPath: join(workDir, "wrangler-dev.log"),
    });
    console.log(`wrangler dev ready on ${server.url} in ${seconds(since)} s`);
    await sanityCheck(server.url, token);
    if (settings.simulateLatency) await latencyRun(server, settings, token, app);
    else await standardRun(server, settings, token, app);
  } catch (error) {
    failed = true;
    console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
    if (server) console.error(`\nThe server's last lines:\n${server.output(40)}`);
    process.exitCode = 1;
  } finally {
    await server?.stop();
    removeOnExit = false;
    if (settings.keepData || failed) console.log(`Kept ${workDir} (database, built Worker, server log)`);
    else rmSync(workDir, { recursive: true, force: true });
    console.log(`Total time: ${seconds(started)} s`);
  }
}

await main();
