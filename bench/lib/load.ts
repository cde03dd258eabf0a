/**
 * Load generation with autocannon (as a library), and the bench Worker's counters.
 */
import autocannon from "autocannon";
import type { Counters } from "../counters.ts";

export type { Counters, TierCounts } from "../counters.ts";

export interface Load {
  url: string;
  connections: number;
  headers: Record<string, string>;
  /** The path of the next request: called once per request, so a mix can be replayed. */
  nextPath: () => string;
  /** The body of the next request (called once per request, after `nextPath`); none for a GET. */
  nextBody?: (() => string) | undefined;
  /** The method when there is a body: POST unless given. */
  method?: "POST" | "PUT" | undefined;
  /** Requests per second across all connections; unset: as fast as the server answers. */
  rate?: number | undefined;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests that completed (any status). */
  completed: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Connection errors and timeouts. */
  socketErrors: number;
  durationSeconds: number;
}

function summarize(result: autocannon.Result): LoadResult {
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[status] = count ?? 0;
  }
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    completed: result.requests.total,
    statuses,
    socketErrors: result.errors + result.timeouts,
    durationSeconds: result.duration,
  };
}

function options(load: Load): autocannon.Options {
  return {
    url: load.url,
    connections: load.connections,
    pipelining: 1,
    timeout: 10,
    headers: load.headers,
    ...(load.rate === undefined ? {} : { overallRate: load.rate }),
    requests: [
      {
        method: load.nextBody === undefined ? "GET" : (load.method ?? "POST"),
        setupRequest: (request) => {
          const path = load.nextPath();
          return load.nextBody === undefined
            ? { ...request, path }
            : { ...request, path, body: load.nextBody() };
        },
      },
    ],
  };
}

/** Sends load for `seconds`. */
export async function runFor(load: Load, seconds: number): Promise<LoadResult> {
  return summarize(await autocannon({ ...options(load), duration: seconds }));
}

/** A load running in the background: each answer as it comes, and the summary at its end. */
export interface RunningLoad {
  done: Promise<LoadResult>;
}

/**
 * Sends load for `seconds` and hands every answer to `onAnswer` as it arrives (its status and
 * latency in ms), for measurements over time.
 */
export function startLoad(
  load: Load,
  seconds: number,
  onAnswer: (status: number, latencyMs: number) => void,
): RunningLoad {
  const done = new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon({ ...options(load), duration: seconds }, (error: unknown, result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(summarize(result));
    });
    instance.on("response", (_client, status, _bytes, latencyMs) => onAnswer(status, latencyMs));
  });
  return { done };
}

/** Sends exactly `amount` requests. */
export async function runAmount(load: Load, amount: number): Promise<LoadResult> {
  return summarize(await autocannon({ ...options(load), amount }));
}

export async function readCounters(url: string): Promise<Counters> {
  const response = await fetch(`${url}/__bench/counters`);
  if (!response.ok) throw new Error(`GET /__bench/counters answered ${response.status}`);
  return (await response.json()) as Counters;
}

export async function resetCounters(url: string): Promise<void> {
  const response = await fetch(`${url}/__bench/counters/reset`, { method: "POST" });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`POST /__bench/counters/reset answered ${response.status}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seconds since `since` (a `performance.now()`), for progress lines. */
export function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}
