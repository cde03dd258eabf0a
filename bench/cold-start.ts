/**
 * The Worker's cold start beside a bare Hono Worker's, in one run: both are built as `wrangler
 * deploy` builds them, then `wrangler check startup` profiles each one's startup several times,
 * alternating, so that both see the same machine load, and so does a finer profiler (100 µs
 * sampling, bench/lib/startup-profile.ts). It reports medians, the bundle and gzip sizes wrangler
 * prints, and the ratios to the bare Worker.
 *
 * `node bench/cold-start.ts [--runs N] [--json]` (writes bench/results/cold-start.md too); or import
 * `measureColdStart()` (bench/README.md).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runWrangler } from "../scripts/lib/wrangler.ts";
import { type CpuProfile, profileStartup } from "./lib/startup-profile.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The budget: gzip size and startup CPU as a multiple of the bare Hono Worker's. */
export const COLD_START_BUDGET = { gzipKiB: 80, startupRatio: 1.5 } as const;

/** One Worker's figures. */
export interface WorkerColdStart {
  name: string;
  bundleKiB: number;
  gzipKiB: number;
  /** Active startup CPU of each run (profile time less idle), in ms, in run order. */
  activeMs: number[];
  medianActiveMs: number;
  /** The profiler samples every few ms, so one run's figure is coarse: the mean smooths that out. */
  meanActiveMs: number;
  /** Profile window of each run (first to last sample), in ms, in run order. */
  windowMs: number[];
  medianWindowMs: number;
  /** Active startup CPU of each run with 100 µs sampling, in ms, in run order. */
  fineActiveMs: number[];
  medianFineActiveMs: number;
}

export interface ColdStartReport {
  compatibilityDate: string;
  runs: number;
  project: WorkerColdStart;
  bare: WorkerColdStart;
  /** The project's median active startup CPU over the bare Worker's; null when the bare one's is 0. */
  startupRatio: number | null;
  /** The same ratio of the means. */
  startupRatioOfMeans: number | null;
  /** The same ratio of the medians with 100 µs sampling. */
  fineStartupRatio: number | null;
  /** The project's gzip size over the bare Worker's. */
  gzipRatio: number;
}

// The smallest Worker the comparison means: Hono answering one JSON route, nothing else.
const BARE_WORKER = `import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.json({ ok: true }));

export default app;
`;

/** Active time (every sample but idle ones) and the window of a V8 CPU profile, in ms. */
function profileTimes(profile: CpuProfile): { activeMs: number; windowMs: number } {
  const idle = new Set(
    profile.nodes.filter((node) => node.callFrame.functionName === "(idle)").map((node) => node.id),
  );
  const samples = profile.samples ?? [];
  let active = 0;
  for (const [index, delta] of (profile.timeDeltas ?? []).entries()) {
    if (!idle.has(samples[index] ?? -1)) active += delta;
  }
  return { activeMs: active / 1000, windowMs: (profile.endTime - profile.startTime) / 1000 };
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The sizes `wrangler check startup` prints: `Bundle: X KiB / gzip: Y KiB`. */
function bundleSizes(output: string): { bundleKiB: number; gzipKiB: number } {
  const match = /Bundle: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  if (match === null) throw new Error(`wrangler check startup printed no bundle size:\n${output}`);
  return { bundleKiB: Number(match[1]), gzipKiB: Number(match[2]) };
}

/** Builds a Worker as `wrangler deploy` would, into the bundle `check startup --worker` reads. */
function buildBundle(configPath: string, bundlePath: string): void {
  runWrangler(["deploy", "--dry-run", "--config", configPath, "--outfile", bundlePath]);
}

/** The project's compatibility date, read by wrangler itself. */
async function projectCompatibilityDate(): Promise<string> {
  const { unstable_readConfig } = await import("wrangler");
  const date = unstable_readConfig({ config: join(ROOT, "wrangler.toml") }).compatibility_date;
  if (date === undefined) throw new Error("wrangler.toml sets no compatibility_date");
  return date;
}

/**
 * Measures the project's Worker and a bare Hono Worker (same compatibility date), `runs` times
 * each with `wrangler check startup`.
 */
export async function measureColdStart(options: { runs?: number; log?: (line: string) => void } = {}) {
  const runs = options.runs ?? 7;
  const log = options.log ?? (() => {});
  const compatibilityDate = await projectCompatibilityDate();
  // Inside the project, so that the bare Worker's `hono` resolves to the project's own.
  mkdirSync(join(ROOT, ".wrangler", "tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".wrangler", "tmp", "cold-start-"));
  try {
    writeFileSync(join(dir, "bare.ts"), BARE_WORKER);
    writeFileSync(
      join(dir, "bare.wrangler.json"),
      JSON.stringify({ name: "bare-hono", main: "bare.ts", compatibility_date: compatibilityDate }),
    );
    const workers = [
      { name: "project", config: join(ROOT, "wrangler.toml"), bundle: join(dir, "project.bundle") },
      { name: "bare Hono", config: join(dir, "bare.wrangler.json"), bundle: join(dir, "bare.bundle") },
    ];
    for (const worker of workers) {
      log(`building ${worker.name}`);
      buildBundle(worker.config, worker.bundle);
    }
    const results = workers.map((worker) => ({
      ...worker,
      sizes: "",
      activeMs: [] as number[],
      windowMs: [] as number[],
      fineActiveMs: [] as number[],
    }));
    for (let run = 1; run <= runs; run++) {
      for (const result of results) {
        const profilePath = join(dir, "startup.cpuprofile");
        const output = runWrangler(["check", "startup", "--worker", result.bundle, "--outfile", profilePath]);
        result.sizes = output;
        const times = profileTimes(JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile);
        result.activeMs.push(times.activeMs);
        result.windowMs.push(times.windowMs);
        const fine = profileTimes(await profileStartup(result.bundle, compatibilityDate)).activeMs;
        result.fineActiveMs.push(fine);
        log(
          `run ${run}/${runs} ${result.name}: ${times.activeMs.toFixed(1)} ms active, ${fine.toFixed(1)} ms finely`,
        );
      }
    }
    const [project, bare] = results.map(
      (result): WorkerColdStart => ({
        name: result.name,
        ...bundleSizes(result.sizes),
        activeMs: result.activeMs,
        medianActiveMs: median(result.activeMs),
        meanActiveMs: mean(result.activeMs),
        windowMs: result.windowMs,
        medianWindowMs: median(result.windowMs),
        fineActiveMs: result.fineActiveMs,
        medianFineActiveMs: median(result.fineActiveMs),
      }),
    );
    if (project === undefined || bare === undefined) throw new Error("unreachable: two Workers measured");
    const report: ColdStartReport = {
      compatibilityDate,
      runs,
      project,
      bare,
      startupRatio: ratio(project.medianActiveMs, bare.medianActiveMs),
      startupRatioOfMeans: ratio(project.meanActiveMs, bare.meanActiveMs),
      fineStartupRatio: ratio(project.medianFineActiveMs, bare.medianFineActiveMs),
      gzipRatio: project.gzipKiB / bare.gzipKiB,
    };
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const format = (value: number | null, digits = 2) => (value === null ? "n/a" : value.toFixed(digits));

/** The report as a Markdown table, with the budget. */
export function coldStartTable(report: ColdStartReport): string {
  const row = (worker: WorkerColdStart) =>
    `| ${worker.name} | ${worker.bundleKiB.toFixed(1)} | ${worker.gzipKiB.toFixed(1)} | ` +
    `${worker.medianActiveMs.toFixed(1)} | ${worker.meanActiveMs.toFixed(1)} | ` +
    `${worker.activeMs.map((ms) => ms.toFixed(1)).join(", ")} | ${worker.medianWindowMs.toFixed(1)} | ` +
    `${worker.medianFineActiveMs.toFixed(1)} |`;
  return [
    `Cold start, ${report.runs} runs each, compatibility date ${report.compatibilityDate}:`,
    "",
    "| Worker | Bundle (KiB) | gzip (KiB) | Startup CPU, median (ms) | Mean (ms) | Each run (ms) | Profile window, median (ms) | 100 µs sampling, median (ms) |",
    "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    row(report.project),
    row(report.bare),
    "",
    `Startup CPU over the bare Worker's: ${format(report.startupRatio)} (medians), ` +
      `${format(report.startupRatioOfMeans)} (means), ${format(report.fineStartupRatio)} (100 µs sampling); ` +
      `budget ${COLD_START_BUDGET.startupRatio}.`,
    `gzip: ${report.project.gzipKiB.toFixed(1)} KiB (budget ${COLD_START_BUDGET.gzipKiB} KiB), ` +
      `${report.gzipRatio.toFixed(1)}x the bare Worker's.`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "7" }, json: { type: "boolean", default: false } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number of runs, 1 or more");
  const report = await measureColdStart({ runs, log: (line) => console.error(line) });
  const table = coldStartTable(report);
  console.log(values.json ? JSON.stringify(report, null, 2) : table);
  // The latest figures, with the command and the day they were measured (docs/benchmark.md links them).
  const results = join(ROOT, "bench", "results");
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, "cold-start.md"),
    `# Cold start\n\n\`npm run bench:cold-start -- --runs ${runs}\`, ${new Date().toISOString().slice(0, 10)}.\n\n${table}\n`,
  );
  console.error("Wrote bench/results/cold-start.md");
}
