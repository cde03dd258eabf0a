/**
 * `npm run bench`: the scenarios (hot, kv, d1, unknown, Zipf cold and warm), each measured
 * between two short baseline runs, then the summary on the console and bench/results/latest.md
 * and latest.svg.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AppSettings } from "./app-config.ts";
import {
  CHAT_COUNT,
  type ChatSequence,
  chatId,
  chatsAsked,
  cycleOf,
  lookupPath,
  unknownChatId,
} from "./data.ts";
import { combined, type Measured, measure, progress, scenarioResult } from "./measure.ts";
import { markdownTable, RESULTS_DIR, svgChart, targetLines } from "./report.ts";
import {
  buildMixes,
  HOT_CHATS,
  KV_CHATS,
  lookupsOf,
  prewarmKv,
  type Scenario,
  ZIPF_EXPONENT,
} from "./scenarios.ts";
import { type DevServer, serverLogSummary } from "./server.ts";
import type { Settings } from "./settings.ts";
import {
  evaluateTargets,
  hotRefreshNote,
  outsideNote,
  standardMarkdown,
  tokenHerdNotes,
} from "./standard-report.ts";
import { prepareWarmWindow, type WarmInfo, type ZipfReport, zipfFloors } from "./warm-zipf.ts";

/** Runs every selected scenario between baselines, prints the summary and writes the results. */
export async function standardRun(server: DevServer, settings: Settings, token: string, app: AppSettings) {
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
