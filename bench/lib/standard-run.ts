/**
 * `npm run bench`: the scenarios of bench/lib/standard-scenarios.ts, each measured between two
 * short baseline runs, and the timing probe (bench/lib/probe.ts), then the summary on the
 * console and bench/results/latest.md and latest.svg.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AppSettings } from "./app-config.ts";
import { kvCostNote } from "./cost.ts";
import type { BenchTokens } from "./database.ts";
import { combined, type Measured, measure, progress, scenarioResult } from "./measure.ts";
import { type ProbeResult, probeLine, runProbe } from "./probe.ts";
import { markdownTable, RESULTS_DIR, svgChart, targetLines } from "./report.ts";
import type { Scenario } from "./scenarios.ts";
import { type DevServer, serverLogSummary } from "./server.ts";
import type { Settings } from "./settings.ts";
import { hotRefreshNote, outsideNote, standardMarkdown, tokenHerdNotes } from "./standard-report.ts";
import { standardPlan } from "./standard-scenarios.ts";
import { evaluateTargets } from "./targets.ts";

/** Runs every selected scenario between baselines, prints the summary and writes the results. */
export async function standardRun(
  server: DevServer,
  settings: Settings,
  tokens: BenchTokens,
  app: AppSettings,
) {
  const { url } = server;
  const token = tokens.read;
  const baselineRates: number[] = [];
  const database = { remote: false, persistTo: server.options.persistTo, config: server.options.config };
  const plan = standardPlan(url, tokens, settings, app, baselineRates, database);
  const { baseline, scenarios } = plan;

  console.log(
    `\nScenarios: ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured each, ${settings.connections} connections`,
  );
  await plan.prewarm();

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
    await scenario.finish?.();
    progress(scenario.name, result, scenario.expectedStatus);
    const after = await runBaseline();
    measured.push({ scenario, result, baselineRps: (before + after) / 2 });
    before = after;
  }
  // The timing probe last, alone on the server: it measures milliseconds.
  let probe: ProbeResult | null = null;
  if (settings.scenarios === null || settings.scenarios.has("probe")) {
    probe = await runProbe(url, tokens);
    console.log(probeLine(probe));
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

  const zipf = plan.zipfReport((name) => measured.find(({ scenario }) => scenario.name === name)?.result);

  const targets = evaluateTargets(new Map(results.map((result) => [result.name, result])), zipf, probe);
  const logLines = serverLogSummary(server.options.logPath);

  const table = markdownTable(results);
  console.log(`\n${table}\n`);
  console.log("Targets (reported, not enforced):");
  for (const line of targetLines(targets)) console.log(line);
  const kvCost = kvCostNote(new Map(results.map((result) => [result.name, result])));
  if (kvCost !== null) console.log(`\n${kvCost}`);
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
    standardMarkdown({ results, targets, settings, baselineRates, logLines, zipf, app, probe }),
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
