/**
 * One measured run of a scenario (warm-up, counters reset, load, counters and server CPU read),
 * what it comes to as a report row and a progress line, the baseline runs taken as one, and the
 * check, before any of it, that the server answers what the bench expects.
 */
import { isDeepStrictEqual } from "node:util";
import {
  bsuidOf,
  chatId,
  expectedRecord,
  expectedRecordWithSession,
  lidOf,
  lookupPath,
  unknownChatId,
} from "./data.ts";
import {
  type Counters,
  type Load,
  type LoadResult,
  readCounters,
  resetCounters,
  runAmount,
  runFor,
  sleep,
} from "./load.ts";
import { type ScenarioResult, tierMix } from "./report.ts";
import type { Scenario } from "./scenarios.ts";
import { type DevServer, serverCpuMs } from "./server.ts";
import type { Settings } from "./settings.ts";

async function fetchJson(
  url: string,
  headers: Record<string, string>,
  postBody?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(
    url,
    postBody === undefined
      ? { headers }
      : {
          method: "POST",
          headers: { ...headers, "Content-Type": "application/json" },
          body: JSON.stringify(postBody),
        },
  );
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the error message.
  }
  return { status: response.status, body };
}

/** Throws unless `answer` is `expected` with status `status`. */
function expectAnswer(
  what: string,
  answer: { status: number; body: unknown },
  status: number,
  expected?: unknown,
): void {
  if (answer.status !== status || (expected !== undefined && !isDeepStrictEqual(answer.body, expected))) {
    throw new Error(
      `${what} answered ${answer.status} ${JSON.stringify(answer.body)}, expected ${status}${expected === undefined ? "" : ` ${JSON.stringify(expected)}`}`,
    );
  }
}

/** Fails fast, with a clear message, when the server does not answer what the bench expects. */
export async function sanityCheck(url: string, token: string): Promise<void> {
  const auth = { Authorization: `Bearer ${token}` };
  await resetCounters(url);
  const expected = { success: true, record: expectedRecord(0) };
  expectAnswer("a known chat", await fetchJson(`${url}${lookupPath(chatId(0))}`, auth), 200, expected);
  expectAnswer("a known chat by its LID", await fetchJson(`${url}${lookupPath(lidOf(1))}`, auth), 200, {
    success: true,
    record: expectedRecord(1),
  });
  expectAnswer("a known chat by its BSUID", await fetchJson(`${url}${lookupPath(bsuidOf(5))}`, auth), 200, {
    success: true,
    record: expectedRecord(5),
  });
  expectAnswer(
    "a known chat with its session's status",
    await fetchJson(`${url}${lookupPath(chatId(4), undefined, true)}`, auth),
    200,
    { success: true, record: expectedRecordWithSession(4) },
  );
  const missing = await fetchJson(`${url}${lookupPath(unknownChatId(999_999))}`, auth);
  expectAnswer("an unknown chat", missing, 404);
  const batch = await fetchJson(`${url}/api/clients/view/batch`, auth, {
    lookups: [
      { chatId: chatId(2) },
      { chatId: lidOf(3), alt: chatId(3) },
      { chatId: unknownChatId(999_998) },
    ],
  });
  expectAnswer("a batch", batch, 200, {
    success: true,
    results: [
      { record: expectedRecord(2) },
      { record: expectedRecord(3) },
      { error: "Conversation not found" },
    ],
  });
  await sleep(200);
  const counters = await readCounters(url);
  if (counters.lookups !== 8 || counters.batches !== 1 || counters.d1.statements === 0) {
    throw new Error(
      `the bench Worker counted ${counters.lookups} lookups (${counters.batches} batches) and ${counters.d1.statements} D1 statements for 5 new lookups and a batch of 3: does the app still read env.DB?`,
    );
  }
}

/** One measured run: the load's result, the Worker's counters, the server's CPU time. */
export interface Measured {
  load: LoadResult;
  counters: Counters;
  /** Server CPU time during the measured run (and the 300 ms after it), ms; `null`: unknown. */
  cpuMs: number | null;
  /** Positions of the scenario's sequence at the start and the end of the measured run. */
  from: number;
  to: number;
}

/**
 * Warm-up, counters reset, measured run, counters read once the last answers are in. A scenario
 * of a fixed number of requests sends them all measured, without warm-up.
 */
export async function measure(
  server: DevServer,
  scenario: Scenario,
  settings: Settings,
  token: string,
): Promise<Measured> {
  const { url } = server;
  const load: Load = {
    url,
    connections: scenario.connections ?? settings.connections,
    headers: { Authorization: `Bearer ${token}`, ...scenario.headers },
    nextPath: scenario.nextPath,
    nextBody: scenario.nextBody,
    method: scenario.method,
    rate: settings.rate,
  };
  if (scenario.requests === undefined && settings.warmupSeconds > 0)
    await runFor(load, settings.warmupSeconds);
  // Requests cut off by the end of the warm-up finish in the meantime.
  await sleep(300);
  await resetCounters(url);
  const cpuBefore = serverCpuMs(server);
  const from = scenario.sequence?.position ?? 0;
  const result =
    scenario.requests === undefined
      ? await runFor(load, settings.durationSeconds)
      : await runAmount(load, scenario.requests);
  const to = scenario.sequence?.position ?? 0;
  // Cache writes run after the answer (waitUntil): let them land before reading.
  await sleep(300);
  const cpuAfter = serverCpuMs(server);
  const cpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return { load: result, counters: await readCounters(url), cpuMs, from, to };
}

/** A measured run as a report row, its rates against `baselineRps` and its CPU against the baseline's. */
export function scenarioResult(
  scenario: Scenario,
  measured: Measured,
  baselineRps: number,
  baselineCpuPerRequest: number | null = null,
): ScenarioResult {
  const cpuMsPerRequest =
    measured.cpuMs === null || measured.counters.requests === 0
      ? null
      : measured.cpuMs / measured.counters.requests;
  let unexpected = measured.load.socketErrors;
  let serverErrors = 0;
  for (const [status, count] of Object.entries(measured.load.statuses)) {
    if (Number(status) !== scenario.expectedStatus) unexpected += count;
    if (Number(status) >= 500) serverErrors += count;
  }
  return {
    name: scenario.name,
    what: scenario.what,
    load: measured.load,
    counters: measured.counters,
    expectedStatus: scenario.expectedStatus,
    itemsPerRequest: scenario.itemsPerRequest ?? 1,
    ratio: baselineRps > 0 ? measured.load.requestsPerSecond / baselineRps : 0,
    cpuMs: measured.cpuMs,
    cpuMsPerRequest,
    cpuRatio:
      cpuMsPerRequest === null || baselineCpuPerRequest === null || cpuMsPerRequest === 0
        ? null
        : baselineCpuPerRequest / cpuMsPerRequest,
    unexpected,
    serverErrors,
  };
}

/** The console line of a measured run, and a warning for answers other than `expectedStatus`. */
export function progress(name: string, measured: Measured, expectedStatus: number): void {
  const { load, counters } = measured;
  const statuses = Object.entries(load.statuses)
    .map(([status, count]) => `${status}:${count}`)
    .join(" ");
  console.log(
    `  ${name.padEnd(22)} ${load.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${load.p50Ms} ms  p99 ${load.p99Ms} ms  [${statuses}${load.socketErrors ? ` socket errors:${load.socketErrors}` : ""}]  lookups ${counters.lookups} (${tierMix(counters)})  D1 ${counters.d1.statements}  KV get ${counters.kv.reads} put ${counters.kv.writes}`,
  );
  const unexpected = Object.entries(load.statuses).filter(([status]) => Number(status) !== expectedStatus);
  if (unexpected.some(([status]) => Number(status) >= 500)) {
    console.error(
      `\n!!! ${name}: the Worker answered ${unexpected.map(([status, count]) => `${count} × ${status}`).join(", ")}: see the errors it logged below !!!\n`,
    );
  } else if (unexpected.length > 0 || load.socketErrors > 0) {
    console.warn(
      `  warning: ${name}: unexpected answers ${unexpected.map(([status, count]) => `${count} × ${status}`).join(", ")}${load.socketErrors ? `, ${load.socketErrors} socket errors` : ""}`,
    );
  }
}

/** The baseline runs as one: their mean rate, median percentiles, summed counts. */
export function combined(runs: readonly Measured[]): Measured {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  const statuses: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.load.statuses))
      statuses[status] = (statuses[status] ?? 0) + count;
  }
  const sum = (pick: (run: Measured) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const first = runs[0];
  if (first === undefined) throw new Error("no baseline run");
  return {
    load: {
      requestsPerSecond: sum((run) => run.load.requestsPerSecond) / runs.length,
      p50Ms: median(runs.map((run) => run.load.p50Ms)),
      p99Ms: median(runs.map((run) => run.load.p99Ms)),
      completed: sum((run) => run.load.completed),
      statuses,
      socketErrors: sum((run) => run.load.socketErrors),
      durationSeconds: sum((run) => run.load.durationSeconds),
    },
    counters: {
      ...first.counters,
      requests: sum((run) => run.counters.requests),
      lookups: sum((run) => run.counters.lookups),
      d1: { ...first.counters.d1, statements: sum((run) => run.counters.d1.statements) },
      kv: { ...first.counters.kv, reads: sum((run) => run.counters.kv.reads) },
    },
    cpuMs: runs.some((run) => run.cpuMs === null) ? null : sum((run) => run.cpuMs ?? 0),
    from: 0,
    to: 0,
  };
}
