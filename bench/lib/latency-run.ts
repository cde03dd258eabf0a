/**
 * `npm run bench -- --simulate-latency`: the Zipf mix at a fixed rate with slow storage round
 * trips, every tier cold and warm against caches off, and bench/results/latency.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CACHE_POLICY } from "../../src/cache/policy.ts";
import type { AppSettings } from "./app-config.ts";
import { type ChatSequence, chatId, cycleOf, lookupPath } from "./data.ts";
import { readCounters } from "./load.ts";
import { type Measured, measure, progress, scenarioResult } from "./measure.ts";
import {
  environmentLines,
  kvReadsPerThousand,
  logSection,
  lookupD1PerThousand,
  RESULTS_DIR,
  type ScenarioResult,
  tierMix,
} from "./report.ts";
import { buildMixes, lookupsOf, type Scenario } from "./scenarios.ts";
import { type DevServer, serverLogSummary } from "./server.ts";
import type { Settings } from "./settings.ts";
import {
  prepareWarmWindow,
  timesInWords,
  type WarmInfo,
  warmMeaning,
  windowUse,
  zipfFloors,
} from "./warm-zipf.ts";

/** Runs the three latency rows, prints their table and writes bench/results/latency.md. */
export async function latencyRun(
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
      const expected = rate * (settings.warmupSeconds + settings.durationSeconds) + settings.connections;
      warm = await prepareWarmWindow(url, token, settings, mixes.zipf, start, expected);
      warmCached = new Set(warm.window.toWarm);
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
      what: "The Zipf mix from its start through memory, KV and D1, nothing in KV beforehand: a chat gets into KV only once the admission rule lets it.",
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
    const { missesBeforeWrite } = DEFAULT_CACHE_POLICY.lookups.kv.admission;
    paragraphs.push(
      `${warmMeaning(app.kvTtlSeconds)} The bench looks up, memory tier off, each distinct chat of the next ${warm.window.chats.length.toLocaleString("en")} requests of the sequence after the cold row ${timesInWords(missesBeforeWrite)} (${warm.window.distinct.toLocaleString("en")} chats in ${warm.prewarmSeconds.toFixed(1)} s, ${warm.alreadyCached.toLocaleString("en")} of them answered from KV already, admitted during the cold row), then replays those requests${warmRun === undefined ? "" : windowUse(warmRun.to, warm.window.chats.length)}; the caches-off row replays the same requests again. In the warm window ${warmFloors.firstSeenPerK.toFixed(0)} lookups per 1,000 ask for a chat not in KV, and ${warmFloors.notRecentPerK.toFixed(0)} per 1,000 for a chat not asked in the ${warmFloors.memoryWindow.toLocaleString("en")} requests before (one \`MEMORY_CACHE_TTL_MS\` at this rate), which must at least read KV.`,
    );
  }
  if (coldFloors !== null) {
    paragraphs.push(
      `**Cold** is the same sequence from its start with nothing in KV, a location's first seconds: in its measured window ${coldFloors.firstSeenPerK.toFixed(0)} lookups per 1,000 asked for a chat for the first time in this run, which no cache can serve, and which pay both round trips (KV, then D1), as does a chat's second miss (only that one puts it in KV): that is why cold all-tiers can have a worse tail than caches off.`,
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
    ...logSection(logLines),
  ].join("\n");
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, "latency.md"), markdown);
  console.log("Wrote bench/results/latency.md");
}
