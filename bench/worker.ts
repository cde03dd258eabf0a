/**
 * The benchmark Worker (bench/wrangler.bench.toml): the real app, handed an `env` whose storage
 * bindings count what the app does with them.
 *
 * - `DB` counts every D1 statement executed and the rows read and written (bench/worker/counting-d1.ts).
 * - `CACHE` counts KV reads and the keys they read, writes, deletes and lists (bench/worker/counting-kv.ts).
 * - `BENCH_D1_RTT_MS` / `BENCH_KV_RTT_MS` add that many ms before each D1 round trip (a statement,
 *   or a whole batch, which D1 sends as one request) and each KV call: the latency-simulation mode.
 * - `x-bench-memory: off` on a request hands the app `MEMORY_CACHE_TTL_MS: "0"`, which turns its
 *   in-memory tier off; `x-bench-kv: off` hands it a KV namespace that holds nothing and costs
 *   nothing, which turns the KV tier off.
 * - `BENCH_RATE_LIMITER = "off"` hands the app none of its rate limiting bindings (it then
 *   limits nothing), to see what the per-token limiters cost.
 * - Lookup requests (`/api/clients/view`, and `/api/clients/view/batch` with its items as lookups)
 *   are counted by the tier their `Server-Timing` header names (`memory`, `kv`, `d1`; `none`
 *   without one), with every storage call made on their behalf (bench/worker/tally.ts).
 *
 * It answers `GET /__bench/counters` and `POST /__bench/counters/reset` itself; every other
 * request goes to the app. Counters live in this isolate: `wrangler dev` runs exactly one.
 */
import app from "../src/index";
import { countingD1, estimateRawRows, forgetRawSamples } from "./worker/counting-d1.ts";
import { absentKv, countingKv } from "./worker/counting-kv.ts";
import { currentCounters, newTrace, resetCounters, settle, traced } from "./worker/tally.ts";

/** The benchmark's own variables (bench/wrangler.bench.toml), on top of the app's `Env`. */
interface BenchVars {
  BENCH_D1_RTT_MS?: string;
  BENCH_KV_RTT_MS?: string;
  BENCH_RATE_LIMITER?: string;
}

type BenchEnv = Env & BenchVars;

function rttMs(value: string | undefined): number {
  const ms = Number(value ?? "0");
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** The tier a lookup's `Server-Timing` names (`tier;desc="kv", storage;dur=3`), or `none`. */
function answeringTier(response: Response): string {
  const timing = response.headers.get("Server-Timing") ?? "";
  return /(?:^|,)\s*tier;desc="?([a-z0-9]+)"?/i.exec(timing)?.[1] ?? "none";
}

/** `env` without one binding. */
function without(env: Env, ...names: string[]): Env {
  const copy: Record<string, unknown> = { ...env };
  for (const name of names) delete copy[name];
  return copy as unknown as Env;
}

/** Which tiers a request turned off, from its `x-bench-*` headers. */
interface TierSwitches {
  memoryOff: boolean;
  kvOff: boolean;
}

/**
 * The app's envs per real `env`, one per combination of switches, each made once, so that the
 * app's per-`env` memos (configuration, services, caches) keep working as in production.
 */
const envs = new WeakMap<object, Map<string, Env>>();

function appEnv(env: BenchEnv, switches: TierSwitches): Env {
  let made = envs.get(env);
  if (made === undefined) {
    made = new Map();
    envs.set(env, made);
  }
  const key = `${switches.memoryOff}/${switches.kvOff}`;
  let chosen = made.get(key);
  if (chosen === undefined) {
    chosen = {
      ...env,
      DB: countingD1(env.DB, rttMs(env.BENCH_D1_RTT_MS)),
      CACHE: switches.kvOff ? absentKv() : countingKv(env.CACHE, rttMs(env.BENCH_KV_RTT_MS)),
      // The memory tier off: a deployment setting of the cache policy (src/cache/policy.ts).
      ...(switches.memoryOff && { MEMORY_CACHE_TTL_MS: "0" }),
    };
    if (env.BENCH_RATE_LIMITER === "off") {
      chosen = without(chosen, "RATE_LIMITER", "NO_CACHE_RATE_LIMITER", "BATCH_RATE_LIMITER");
    }
    made.set(key, chosen);
  }
  return chosen;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

/** How many lookups a batch request carries (0 when its body is not a batch). */
async function batchSize(request: Request): Promise<number> {
  try {
    const body: unknown = await request.clone().json();
    const lookups = typeof body === "object" && body !== null ? Reflect.get(body, "lookups") : undefined;
    return Array.isArray(lookups) ? lookups.length : 0;
  } catch {
    return 0;
  }
}

async function benchFetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  // Date.now() is frozen at 0 while the module loads: the first request dates the counters.
  if (currentCounters().since === 0) currentCounters().since = Date.now();
  if (url.pathname === "/__bench/counters" && request.method === "GET") {
    await estimateRawRows(env.DB);
    return json({
      ...currentCounters(),
      rttMs: { d1: rttMs(env.BENCH_D1_RTT_MS), kv: rttMs(env.BENCH_KV_RTT_MS) },
      rateLimiter: env.BENCH_RATE_LIMITER !== "off" && "RATE_LIMITER" in env,
    });
  }
  if (url.pathname === "/__bench/counters/reset" && request.method === "POST") {
    forgetRawSamples();
    return json(resetCounters());
  }

  const chosen = appEnv(env, {
    memoryOff: request.headers.get("x-bench-memory") === "off",
    kvOff: request.headers.get("x-bench-kv") === "off",
  });
  const isBatch = url.pathname === "/api/clients/view/batch" && request.method === "POST";
  // The counters object may be swapped by a reset while this request runs: count into the one
  // that was current when it started.
  const current = currentCounters();
  current.requests += 1;
  if (url.pathname !== "/api/clients/view" && !isBatch) return app.fetch(request, chosen, ctx);
  const lookups = isBatch ? await batchSize(request) : 1;
  current.lookups += lookups;
  if (isBatch) {
    current.batches += 1;
    current.batchItems += lookups;
  }
  const trace = newTrace();
  try {
    const response = await traced(trace, () => app.fetch(request, chosen, ctx));
    const status = String(response.status);
    current.lookupStatus[status] = (current.lookupStatus[status] ?? 0) + 1;
    settle(trace, answeringTier(response), lookups);
    return response;
  } catch (error) {
    current.lookupStatus.thrown = (current.lookupStatus.thrown ?? 0) + 1;
    settle(trace, "none", lookups);
    throw error;
  }
}

export default { fetch: benchFetch } satisfies ExportedHandler<BenchEnv>;
