/**
 * The soak run's verdicts and outputs: whether the server's memory stayed within what the app's
 * caches may hold and whether latency drifted upward, bench/results/soak.md, and the chart of
 * memory and latency over time (soak.svg).
 */
import type { AppSettings } from "./app-config.ts";
import type { Counters, LoadResult } from "./load.ts";
import { environmentLines, logSection, type Target, targetLines } from "./report.ts";
import type { Settings } from "./settings.ts";

/** One sampling window of the soak run. */
export interface SoakWindow {
  /** Seconds from the start of the load to the end of this window. */
  endSeconds: number;
  lookups: number;
  p50Ms: number;
  p99Ms: number;
  writes: number;
  writeP50Ms: number;
  writeMaxMs: number;
  /** Answers other than 200 (and 404 for lookups), in this window. */
  errors: number;
  /** Lookups and writes answered since the soak started. */
  answered: number;
  /** VmRSS of the Worker's workerd, KiB; `null`: not found. */
  rssWorkerKiB: number | null;
  /** VmRSS of every workerd of the server, KiB. */
  rssAllKiB: number | null;
  /**
   * The Worker isolate's V8 heap in use, sampled every second: the window's lowest (what a
   * collection left alive) and highest, KiB; `null`: no inspector.
   */
  heapMinKiB: number | null;
  heapMaxKiB: number | null;
  /** The machine's 1-minute load average at the end of the window. */
  loadAverage: number;
}

/** The `/health` run before the soak: what the runtime keeps per request, whatever the app does. */
export interface SoakControl {
  /** The Worker's workerd RSS before any soak traffic, KiB: the runtime's own at the start. */
  idleRssKiB: number | null;
  afterRssKiB: number | null;
  requests: number;
  seconds: number;
  /** RSS growth per `/health` request, KiB. */
  kibPerRequest: number | null;
}

// What the app's in-memory stores may hold at most (docs/caching.md; src/): the lookup's
// memory tier 16 MiB, its write log 32 MiB, the token cache 4 MiB.
const APP_BOUND_MIB = 16 + 32 + 4;
/** The first minute fills the caches: the verdicts leave it out. */
const WARMUP_SECONDS = 60;
/** How much higher the last third's median p99 may be than the first third's. */
const P99_DRIFT_ALLOWED = 1.25;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The least-squares slope of `ys` over `xs`. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - meanX) * ((ys[i] ?? 0) - meanY);
    den += (x - meanX) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

const mib = (kib: number) => kib / 1024;

/** The Worker's workerd RSS less what the runtime itself grew by (the control's rate × requests), KiB. */
function appRss(window: SoakWindow, control: SoakControl): number | null {
  if (window.rssWorkerKiB === null || control.kibPerRequest === null) return null;
  return window.rssWorkerKiB - control.kibPerRequest * (control.requests + window.answered);
}

/** The largest of `values` that are known; `null` for none. */
function maxOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((value) => value !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** The soak's figures and its targets (memory three ways, and latency drift). */
export function soakVerdict(
  windows: readonly SoakWindow[],
  control: SoakControl,
  startHeapKiB: number | null,
) {
  const steady = windows.filter((window) => window.endSeconds > WARMUP_SECONDS);
  const third = Math.max(1, Math.floor(steady.length / 3));
  const minutes = steady.map((window) => window.endSeconds / 60);
  const p99s = steady.map((window) => window.p99Ms);
  const idle = control.idleRssKiB === null ? null : mib(control.idleRssKiB);
  const rss = steady.map((window) => window.rssWorkerKiB);
  const memory = {
    idleMiB: idle,
    endMiB: windows.at(-1)?.rssWorkerKiB === null ? null : mib(windows.at(-1)?.rssWorkerKiB ?? 0),
    maxMiB: maxOf(windows.map((window) => window.rssWorkerKiB && mib(window.rssWorkerKiB))),
    maxSteadyMiB: maxOf(rss.map((kib) => kib && mib(kib))),
    boundMiB: idle === null ? null : idle + APP_BOUND_MIB,
    maxAppMiB: maxOf(steady.map((window) => appRss(window, control)).map((kib) => kib && mib(kib))),
    startHeapMiB: startHeapKiB === null ? null : mib(startHeapKiB),
    maxHeapMiB: maxOf(steady.map((window) => window.heapMinKiB && mib(window.heapMinKiB))),
    peakHeapMiB: maxOf(steady.map((window) => window.heapMaxKiB && mib(window.heapMaxKiB))),
    // MiB per minute over the last third: still growing, or flat?
    lastThirdSlope: slope(
      minutes.slice(-third),
      rss.slice(-third).map((kib) => mib(kib ?? 0)),
    ),
  };
  const latency = {
    firstThirdP99: median(steady.slice(0, third).map((window) => window.p99Ms)),
    lastThirdP99: median(steady.slice(-third).map((window) => window.p99Ms)),
    medianP99: median(p99s),
    slopeMsPerMinute: slope(minutes, p99s),
    spanMinutes: minutes.length < 2 ? 0 : (minutes.at(-1) ?? 0) - (minutes[0] ?? 0),
  };
  const drift = latency.slopeMsPerMinute * latency.spanMinutes;
  const within = (value: number | null, bound: number | null) =>
    value === null || bound === null ? null : value <= bound;
  const fmt = (value: number | null) => (value === null ? "?" : value.toFixed(1));
  const targets: Target[] = [
    {
      label: `the Worker's workerd RSS stays ≤ its idle RSS at the start + ${APP_BOUND_MIB} MiB (memory tier 16 + write log 32 + token cache 4)`,
      pass: within(memory.maxSteadyMiB, memory.boundMiB),
      measured: `max ${fmt(memory.maxSteadyMiB)} MiB against ${fmt(memory.boundMiB)} MiB (idle ${fmt(idle)} + ${APP_BOUND_MIB}); ${fmt(memory.endMiB)} MiB at the end, ${memory.lastThirdSlope >= 0 ? "+" : ""}${memory.lastThirdSlope.toFixed(2)} MiB/min over the last third`,
    },
    {
      label: `the same, less the runtime's own growth (the control's RSS per \`/health\` request × requests served)`,
      pass: within(memory.maxAppMiB, memory.boundMiB),
      measured: `max ${fmt(memory.maxAppMiB)} MiB against ${fmt(memory.boundMiB)} MiB, at ${control.kibPerRequest?.toFixed(1) ?? "?"} KiB per request (an estimate: a lookup may cost the runtime more than a \`/health\`)`,
    },
    {
      label: `the Worker isolate's V8 heap after collection (each window's lowest 1 s sample) stays ≤ its size at the start + ${APP_BOUND_MIB} MiB`,
      pass: within(
        memory.maxHeapMiB,
        memory.startHeapMiB === null ? null : memory.startHeapMiB + APP_BOUND_MIB,
      ),
      measured: `max ${fmt(memory.maxHeapMiB)} MiB against ${memory.startHeapMiB === null ? "?" : (memory.startHeapMiB + APP_BOUND_MIB).toFixed(1)} MiB (${fmt(memory.startHeapMiB)} at the start + ${APP_BOUND_MIB}); the highest sample, garbage not yet collected included, ${fmt(memory.peakHeapMiB)} MiB`,
    },
    {
      label: `p99 does not drift upward: the last third's median p99 ≤ ${P99_DRIFT_ALLOWED}× the first third's, and the least-squares trend of p99 adds ≤ 25% of the median p99 over the run`,
      pass:
        steady.length < 3
          ? null
          : latency.lastThirdP99 <= P99_DRIFT_ALLOWED * latency.firstThirdP99 &&
            drift <= 0.25 * latency.medianP99,
      measured: `median p99 ${latency.firstThirdP99.toFixed(0)} ms in the first third, ${latency.lastThirdP99.toFixed(0)} ms in the last (${(latency.firstThirdP99 > 0 ? latency.lastThirdP99 / latency.firstThirdP99 : 0).toFixed(2)}×); trend ${latency.slopeMsPerMinute >= 0 ? "+" : ""}${latency.slopeMsPerMinute.toFixed(2)} ms/min, ${drift >= 0 ? "+" : ""}${drift.toFixed(1)} ms over ${latency.spanMinutes.toFixed(1)} min against a median p99 of ${latency.medianP99.toFixed(0)} ms`,
    },
  ];
  return { memory, latency, targets };
}

interface SoakReport {
  /** What the run sent, for the report's first lines. */
  load: string;
  windows: readonly SoakWindow[];
  control: SoakControl;
  startHeapKiB: number | null;
  settings: Settings;
  lookupResult: LoadResult;
  writeResult: LoadResult;
  counters: Counters;
  logLines: readonly string[];
  app: AppSettings;
}

const cell = (kib: number | null) => (kib === null ? "–" : mib(kib).toFixed(1));

/** The text of bench/results/soak.md. */
export function soakMarkdown(report: SoakReport): string {
  const { load, windows, control, settings, lookupResult, writeResult, counters, logLines, app } = report;
  const { targets } = soakVerdict(windows, control, report.startHeapKiB);
  const statuses = (result: LoadResult) =>
    Object.entries(result.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(", ");
  return [
    "# Benchmark: soak run",
    "",
    'Written by `npm run bench -- --soak` (bench/run.ts); bench/README.md, "Soak", says what it does.',
    "",
    ...environmentLines(settings, load),
    `- App settings: wrangler.toml's [vars] (\`MEMORY_CACHE_TTL_MS\` = ${app.memoryTtlMs}, \`CACHE_TTL_SECONDS\` = ${app.kvTtlSeconds})`,
    "",
    "![Memory and latency over the soak run](soak.svg)",
    "",
    "## Targets (reported, not enforced)",
    "",
    ...targetLines(targets),
    "",
    `The idle RSS is the Worker's workerd (the process that runs the Worker, and with it the local D1 and KV simulation) sampled for 5 s before any soak traffic, after the start-up checks: the runtime's own at the start. The bound adds what the app's three in-memory stores may hold (src/: the lookup's memory tier 16 MiB, its write log 32 MiB, the token cache 4 MiB, each by its own estimate of entry size). Before the soak, a control run sent \`GET /health\` (no auth, no storage, nothing cached) at the soak's rate for ${control.seconds} s: ${control.requests.toLocaleString("en")} requests took the Worker's workerd from ${cell(control.idleRssKiB)} to ${cell(control.afterRssKiB)} MiB, ${control.kibPerRequest?.toFixed(1) ?? "?"} KiB per request that the app cannot be holding: the local runtime (wrangler dev's workerd) keeps memory per request. The isolate's heap is read every second through wrangler's inspector proxy (\`Runtime.getHeapUsage\`): the app's caches live there; a window's lowest sample is what the last collection left alive. The first ${WARMUP_SECONDS} s of the soak are warm-up and left out of the verdicts; the thirds are of the windows after it.`,
    "",
    "## Totals",
    "",
    `- Lookups: ${lookupResult.completed.toLocaleString("en")} answered (${statuses(lookupResult)}), ${lookupResult.socketErrors} connection errors or timeouts; ${lookupResult.requestsPerSecond.toFixed(0)}/s on average, p50 ${lookupResult.p50Ms} ms, p99 ${lookupResult.p99Ms} ms over the whole run`,
    `- Writes: ${writeResult.completed.toLocaleString("en")} answered (${statuses(writeResult)}), ${writeResult.socketErrors} connection errors or timeouts; p50 ${writeResult.p50Ms} ms, p99 ${writeResult.p99Ms} ms`,
    `- Counted by the Worker: ${counters.lookups.toLocaleString("en")} lookups, ${counters.d1.statements.toLocaleString("en")} D1 statements (${counters.d1.batches.toLocaleString("en")} batches, ${counters.d1.rowsWritten.toLocaleString("en")} rows written), ${counters.kv.reads.toLocaleString("en")} KV reads (${counters.kv.keysRead.toLocaleString("en")} keys), ${counters.kv.writes.toLocaleString("en")} KV writes, ${counters.kv.deletes.toLocaleString("en")} KV deletes`,
    "",
    "## Every 10 s",
    "",
    "| end s | lookups | p50 ms | p99 ms | writes | write p50 ms | write max ms | errors | Worker workerd RSS MiB | less the runtime's growth | all workerd RSS MiB | isolate heap MiB, lowest–highest | load average |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...windows.map(
      (w) =>
        `| ${w.endSeconds} | ${w.lookups} | ${w.p50Ms} | ${w.p99Ms} | ${w.writes} | ${w.writeP50Ms} | ${w.writeMaxMs} | ${w.errors} | ${cell(w.rssWorkerKiB)} | ${cell(appRss(w, control))} | ${cell(w.rssAllKiB)} | ${cell(w.heapMinKiB)}–${cell(w.heapMaxKiB)} | ${w.loadAverage.toFixed(2)} |`,
    ),
    "",
    "`errors`: lookups answered other than 200 or 404 (the unknown chats' answer), writes other than 200. `load average`: the machine's, over the last minute; others' work on this shared machine shows there.",
    "",
    ...logSection(logLines),
  ].join("\n");
}

/**
 * A line chart of memory (top: the Worker's workerd RSS, that less the runtime's own growth, the
 * isolate's heap, the bound) and the lookups' p50 and p99 (bottom) over the run.
 */
export function soakSvg(report: SoakReport): string {
  const { windows, control } = report;
  const width = 760;
  const panel = 200;
  const left = 70;
  const right = 20;
  const top = 50;
  const gap = 60;
  const height = top + 2 * panel + gap + 50;
  const plotWidth = width - left - right;
  const maxSeconds = Math.max(...windows.map((w) => w.endSeconds), 60);
  const x = (seconds: number) => left + (seconds / maxSeconds) * plotWidth;
  const inMib = (kib: number | null) => (kib === null ? null : mib(kib));
  const rss = windows.map((w) => inMib(w.rssWorkerKiB));
  const idle = inMib(control.idleRssKiB);
  const bound = idle === null ? null : idle + APP_BOUND_MIB;
  const maxRss = Math.max(bound ?? 0, ...rss.map((value) => value ?? 0), 1) * 1.1;
  const maxLatency = Math.max(...windows.map((w) => w.p99Ms), 1) * 1.1;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">Soak run: the Worker's memory and lookup latency, every 10 s</text>`,
  ];
  const drawPanel = (
    panelTop: number,
    max: number,
    unit: string,
    series: [string, string, (number | null)[]][],
  ) => {
    const y = (value: number) => panelTop + panel - (value / max) * panel;
    for (let i = 0; i <= 4; i++) {
      const value = (max / 4) * i;
      parts.push(
        `<line x1="${left}" x2="${width - right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e7eb"/>`,
        `<text x="${left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end" fill="#4b5563">${value.toFixed(0)}</text>`,
      );
    }
    parts.push(
      `<text x="16" y="${panelTop + panel / 2}" transform="rotate(-90 16 ${panelTop + panel / 2})" text-anchor="middle" fill="#4b5563">${unit}</text>`,
      `<line x1="${left}" x2="${left}" y1="${panelTop}" y2="${panelTop + panel}" stroke="#6b7280"/>`,
      `<line x1="${left}" x2="${width - right}" y1="${panelTop + panel}" y2="${panelTop + panel}" stroke="#6b7280"/>`,
    );
    series.forEach(([label, colour, values], index) => {
      const points = values
        .map((value, i) =>
          value === null ? null : `${x(windows[i]?.endSeconds ?? 0).toFixed(1)},${y(value).toFixed(1)}`,
        )
        .filter((point) => point !== null);
      parts.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(" ")}"/>`,
        `<text x="${left + 10 + 165 * index}" y="${panelTop - 8}" fill="${colour}">${label}</text>`,
      );
    });
    return y;
  };
  const yRss = drawPanel(top, maxRss, "MiB", [
    ["Worker's workerd RSS", "#2563eb", rss],
    ["less the runtime's growth", "#0891b2", windows.map((w) => inMib(appRss(w, control)))],
    ["isolate heap after collection", "#ea580c", windows.map((w) => inMib(w.heapMinKiB))],
  ]);
  if (bound !== null && idle !== null) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${yRss(bound).toFixed(1)}" y2="${yRss(bound).toFixed(1)}" stroke="#dc2626" stroke-dasharray="6 4"/>`,
      `<text x="${width - right}" y="${(yRss(bound) - 5).toFixed(1)}" text-anchor="end" fill="#dc2626">bound: idle ${idle.toFixed(0)} + ${APP_BOUND_MIB} MiB</text>`,
    );
  }
  drawPanel(top + panel + gap, maxLatency, "latency, ms", [
    ["lookup p50", "#16a34a", windows.map((w) => w.p50Ms)],
    ["lookup p99", "#9333ea", windows.map((w) => w.p99Ms)],
  ]);
  const axisY = top + 2 * panel + gap;
  for (let minute = 0; minute * 60 <= maxSeconds; minute += Math.max(1, Math.ceil(maxSeconds / 600))) {
    parts.push(
      `<text x="${x(minute * 60).toFixed(1)}" y="${axisY + 18}" text-anchor="middle" fill="#4b5563">${minute}</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${axisY + 38}" text-anchor="middle" fill="#4b5563">minutes of soak</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}
