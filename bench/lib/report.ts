/**
 * The benchmark's outputs: the Markdown table, the pass/fail targets, the SVG bar chart, and the
 * lines on the machine and the run that every report starts with.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/wrangler.ts";
import { emptyTierCounts } from "../counters.ts";
import { costPerMillionLookups, usd } from "./cost.ts";
import { CHAT_COUNT, CLIENT_COUNT } from "./data.ts";
import type { Counters, LoadResult, TierCounts } from "./load.ts";
import type { Settings } from "./settings.ts";

/** Where the reports go (bench/results). */
export const RESULTS_DIR = join(PROJECT_ROOT, "bench/results");

export interface ScenarioResult {
  name: string;
  what: string;
  load: LoadResult;
  counters: Counters;
  /** The status every answer of this scenario should have (200, or 404 for unknown chats). */
  expectedStatus: number;
  /** Lookups per request: 1, or a batch's size. */
  itemsPerRequest: number;
  /** Requests per second relative to the baseline's. */
  ratio: number;
  /** Server CPU time during the measured run (wrangler and workerd processes), ms; `null`: unknown. */
  cpuMs: number | null;
  /** The same per request; `null`: unknown. */
  cpuMsPerRequest: number | null;
  /**
   * The baseline's CPU per request over this scenario's: what `ratio` would be if the server
   * were CPU-bound and alone, steadier than `ratio` on a shared machine.
   */
  cpuRatio: number | null;
  /** Answers with another status, connection errors and timeouts. */
  unexpected: number;
  /** 5xx answers (counted in `unexpected` too). */
  serverErrors: number;
}

/** Per 1,000 lookups, as the Worker counted them; `null` when the scenario made no lookups. */
function perThousand(count: number, counters: Counters): number | null {
  return counters.lookups === 0 ? null : (count * 1_000) / counters.lookups;
}

export function d1PerThousand(result: ScenarioResult): number | null {
  return perThousand(result.counters.d1.statements, result.counters);
}

/** D1 statements per 1,000 lookups without the token checks (one per 30 s per token). */
export function lookupD1PerThousand(result: ScenarioResult): number | null {
  return perThousand(result.counters.d1.statements - result.counters.d1.tokenStatements, result.counters);
}

export function kvReadsPerThousand(result: ScenarioResult): number | null {
  return perThousand(result.counters.kv.reads, result.counters);
}

export function kvWritesPerThousand(result: ScenarioResult): number | null {
  return perThousand(result.counters.kv.writes, result.counters);
}

export function kvKeysPerThousand(result: ScenarioResult): number | null {
  return perThousand(result.counters.kv.keysRead, result.counters);
}

/** D1 rows read per 1,000 lookups: counted from `meta` where D1 gives it, estimated for `.raw()` reads. */
export function d1RowsPerThousand(result: ScenarioResult): number | null {
  const { d1 } = result.counters;
  return perThousand(d1.rowsRead + d1.raw.rowsRead, result.counters);
}

/** Lookups per second: requests per second times the lookups each carries. */
export function lookupsPerSecond(result: ScenarioResult): number {
  return result.load.requestsPerSecond * result.itemsPerRequest;
}

function fixed(value: number | null, digits: number): string {
  return value === null ? "–" : value.toFixed(digits);
}

function errorsCell(result: ScenarioResult): string {
  if (result.unexpected === 0) return "0";
  const details = Object.entries(result.load.statuses)
    .filter(([status]) => Number(status) !== result.expectedStatus)
    .map(([status, count]) => `${count}×${status}`);
  if (result.load.socketErrors > 0) details.push(`${result.load.socketErrors} socket`);
  const alarm = result.serverErrors > 0 ? " **5xx!**" : "";
  return `${result.unexpected} (${details.join(", ")})${alarm}`;
}

/** The results table, in Markdown. */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const header = [
    "| Scenario | req/s | lookups/s | × baseline | server CPU ms / req | × baseline by CPU | p50 ms | p99 ms | errors | D1 / 1k lookups | of which token checks | KV reads / 1k | KV keys read / 1k | KV writes / 1k | D1 rows read / 1k | $ per M lookups |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const rows = results.map((result) =>
    [
      "",
      ` ${result.name} `,
      ` ${result.load.requestsPerSecond.toFixed(0)} `,
      ` ${result.counters.lookups === 0 ? "–" : lookupsPerSecond(result).toFixed(0)} `,
      ` ${result.ratio.toFixed(2)} `,
      ` ${fixed(result.cpuMsPerRequest, 2)} `,
      ` ${fixed(result.cpuRatio, 2)} `,
      ` ${result.load.p50Ms} `,
      ` ${result.load.p99Ms} `,
      ` ${errorsCell(result)} `,
      ` ${fixed(d1PerThousand(result), 1)} `,
      ` ${result.counters.lookups === 0 ? "–" : result.counters.d1.tokenStatements} `,
      ` ${fixed(kvReadsPerThousand(result), 1)} `,
      ` ${fixed(kvKeysPerThousand(result), 1)} `,
      ` ${fixed(kvWritesPerThousand(result), 1)} `,
      ` ${fixed(d1RowsPerThousand(result), 0)} `,
      ` ${usd(costPerMillionLookups(result)?.total ?? null)} `,
      "",
    ].join("|"),
  );
  return [...header, ...rows].join("\n");
}

/** Per request, as the Worker counted them; `null` when it served none. */
function perRequest(count: number, counters: Counters): number | null {
  return counters.requests === 0 ? null : count / counters.requests;
}

/** The write scenarios (no lookups): their rate, and the D1 statements and rows of each write. */
export function writesTable(results: readonly ScenarioResult[]): string {
  const writes = results.filter(
    (result) => result.counters.lookups === 0 && result.name.startsWith("writes"),
  );
  const off = writes.find((result) => result.name === "writes (events off)");
  const header = [
    "| Scenario | writes/s | × events off | p50 ms | p99 ms | errors | D1 statements / write | D1 batches / write | D1 rows written / write | D1 rows read / write (meta) |",
    "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
  ];
  const rows = writes.map((result) => {
    const { d1 } = result.counters;
    const ratio =
      off === undefined || off.load.requestsPerSecond === 0
        ? null
        : result.load.requestsPerSecond / off.load.requestsPerSecond;
    return `| ${result.name} | ${result.load.requestsPerSecond.toFixed(0)} | ${fixed(ratio, 2)} | ${result.load.p50Ms} | ${result.load.p99Ms} | ${errorsCell(result)} | ${fixed(perRequest(d1.statements, result.counters), 2)} | ${fixed(perRequest(d1.batches, result.counters), 2)} | ${fixed(perRequest(d1.rowsWritten, result.counters), 1)} | ${fixed(perRequest(d1.rowsRead, result.counters), 1)} |`;
  });
  return writes.length === 0 ? "" : [...header, ...rows].join("\n");
}

/** What the requests a tier answered made of storage (all zero when it answered none). */
export function tierOf(result: ScenarioResult, name: string): TierCounts {
  return result.counters.byTier[name] ?? emptyTierCounts();
}

/** The report's section on the server's warnings and errors (none when there were none). */
export function logSection(logLines: readonly string[]): string[] {
  if (logLines.length === 0) return [];
  return [
    "## Warnings and errors in the server's output",
    "",
    ...logLines.slice(0, 20).map((l) => `- ${l}`),
    "",
  ];
}

const TIER_ORDER = ["memory", "kv", "d1", "none", "outside"];

/** Tiers in a fixed order (then any other name the Worker used). */
function tiersOf(counters: Counters): [string, TierCounts][] {
  const rank = (name: string) => {
    const index = TIER_ORDER.indexOf(name);
    return index === -1 ? TIER_ORDER.length : index;
  };
  return Object.entries(counters.byTier ?? {}).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** `memory 2100 / kv 100`: lookups by answering tier, compactly. */
export function tierMix(counters: Counters): string {
  const parts = tiersOf(counters)
    .filter(([name, counts]) => name !== "outside" && counts.lookups > 0)
    .map(([name, counts]) => `${name} ${counts.lookups}`);
  return parts.length === 0 ? "–" : parts.join(" / ");
}

/**
 * Lookup requests by the tier that answered them (bench/worker.ts reads it from `Server-Timing`),
 * with the storage calls made on their behalf, per request of that tier (a single lookup, or a
 * batch).
 */
export function tierTable(results: readonly ScenarioResult[]): string {
  const header = [
    "| Scenario | answered by | requests | lookups | share | D1 queries / request | token checks | KV reads / request | KV keys read / request | KV writes / request |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const rows: string[] = [];
  for (const result of results) {
    for (const [name, counts] of tiersOf(result.counters)) {
      const calls = counts.d1Statements + counts.kvReads + counts.kvWrites + counts.kvDeletes;
      if (counts.lookups === 0 && calls === 0) continue;
      const per = (value: number) =>
        counts.requests === 0 ? `${value} (no request)` : (value / counts.requests).toFixed(3);
      const share =
        result.counters.lookups === 0
          ? "–"
          : `${((counts.lookups * 100) / result.counters.lookups).toFixed(1)}%`;
      rows.push(
        `| ${result.name} | ${name} | ${counts.requests} | ${counts.lookups} | ${share} | ${per(counts.d1Statements - counts.tokenStatements)} | ${counts.tokenStatements} | ${per(counts.kvReads)} | ${per(counts.kvKeysRead)} | ${per(counts.kvWrites)} |`,
      );
    }
  }
  return [...header, ...rows].join("\n");
}

export interface Target {
  label: string;
  /** `null`: the scenario it needs did not run. */
  pass: boolean | null;
  measured: string;
}

export function targetLines(targets: readonly Target[]): string[] {
  return targets.map((target) => {
    const verdict = target.pass === null ? "n/a " : target.pass ? "PASS" : "FAIL";
    return `- ${verdict}  ${target.label}: ${target.measured}`;
  });
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * A bar chart of requests per second by scenario, with the baseline as a dashed line: plain SVG
 * written by hand, readable in any browser or Markdown viewer.
 */
export function svgChart(results: readonly ScenarioResult[], baselineRps: number, title: string): string {
  // Room for every scenario's two-line label.
  const width = Math.max(760, 90 + 96 * results.length);
  const height = 410;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = 90;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const maxValue = Math.max(baselineRps, ...results.map((result) => result.load.requestsPerSecond), 1) * 1.1;
  const y = (value: number) => top + plotHeight - (value / maxValue) * plotHeight;
  const slot = plotWidth / Math.max(results.length, 1);
  const barWidth = Math.min(70, slot * 0.6);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
  ];
  // Horizontal grid and the axis labels.
  const step = niceStep(maxValue / 5);
  for (let value = 0; value <= maxValue; value += step) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e7eb"/>`,
      `<text x="${left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end" fill="#4b5563">${value}</text>`,
    );
  }
  parts.push(
    `<text x="16" y="${top + plotHeight / 2}" transform="rotate(-90 16 ${top + plotHeight / 2})" text-anchor="middle" fill="#4b5563">requests / s</text>`,
  );
  results.forEach((result, i) => {
    const value = result.load.requestsPerSecond;
    const x = left + slot * i + (slot - barWidth) / 2;
    const colour =
      result.serverErrors > 0 ? "#dc2626" : result.name.startsWith("baseline") ? "#9ca3af" : "#2563eb";
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(top + plotHeight - y(value)).toFixed(1)}" fill="${colour}"/>`,
      `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y(value) - 6).toFixed(1)}" text-anchor="middle">${value.toFixed(0)}</text>`,
      ...labelLines(result).map(
        (line, row) =>
          `<text x="${(x + barWidth / 2).toFixed(1)}" y="${top + plotHeight + 16 + 14 * row}" text-anchor="middle"${row >= 2 ? ' fill="#4b5563"' : ""}>${escapeXml(line)}</text>`,
      ),
    );
  });
  parts.push(
    `<line x1="${left}" x2="${width - right}" y1="${y(baselineRps).toFixed(1)}" y2="${y(baselineRps).toFixed(1)}" stroke="#dc2626" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    `<text x="${width - right}" y="${(y(baselineRps) - 6).toFixed(1)}" text-anchor="end" fill="#dc2626">baseline ${baselineRps.toFixed(0)} req/s</text>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#6b7280"/>`,
    `<line x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#6b7280"/>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

/**
 * A bar's label: the scenario's name on two lines (cut at its comma, else at its parenthesis),
 * its ratio, and for a batch its lookups per second.
 */
function labelLines(result: ScenarioResult): string[] {
  const comma = result.name.indexOf(", ");
  const cut = comma === -1 ? result.name.indexOf(" (") : comma;
  const head = cut === -1 ? result.name : result.name.slice(0, cut);
  const tail = cut === -1 ? "" : result.name.slice(cut).replace(/^,? /, "");
  const lines = [head, tail, `${result.ratio.toFixed(2)}×`];
  if (result.itemsPerRequest > 1) lines.push(`${lookupsPerSecond(result).toFixed(0)} lookups/s`);
  return lines;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const factor of [1, 2, 5, 10]) {
    if (factor * power >= raw) return factor * power;
  }
  return 10 * power;
}

/**
 * The machine, the versions, the load and the data: the first lines of every report. `load`
 * replaces the line on the load (the soak run's is not per scenario).
 */
export function environmentLines(settings: Settings, load?: string): string[] {
  const cpu = cpus();
  const wranglerVersion = (
    JSON.parse(readFileSync(join(PROJECT_ROOT, "node_modules/wrangler/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  const rate = settings.rate === undefined ? "as fast as answered (closed loop)" : `${settings.rate} req/s`;
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" / ")} at the end; shared with other work, so only ratios within one run mean much`,
    `- Node ${process.version}, wrangler ${wranglerVersion}: \`wrangler dev\` with local workerd, D1 and KV, the Worker built once at the start`,
    `- Load: ${load ?? `autocannon in the same process, ${settings.connections} connections, ${rate}, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured per scenario`}`,
    `- Data: ${CHAT_COUNT.toLocaleString("en")} conversations, each with a LID and a BSUID alias, over ${CLIENT_COUNT.toLocaleString("en")} clients; a \`clients:read\` token for lookups, a \`clients:write\` one for writes (soak run, probe), a \`clients:read\` one limited to a session of its own (probe)`,
    settings.rateLimiter
      ? "- Per-token rate limiters (`RATE_LIMITER`, `NO_CACHE_RATE_LIMITER`, `BATCH_RATE_LIMITER`): in the request path, with limits the bench never reaches"
      : "- Per-token rate limiters: off (`--no-rate-limiter`)",
  ];
}
