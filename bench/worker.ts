/**
 * The benchmark Worker (bench/wrangler.bench.toml): the real app, handed an `env` whose storage
 * bindings count what the app does with them.
 *
 * - `DB` counts every D1 statement executed (`prepare` → `bind` → `all`/`raw`/`first`/`run`, each
 *   statement of a `batch`, and the same through `withSession(…)`).
 * - `CACHE` counts KV reads (`get`, `getWithMetadata`), writes (`put`), deletes and lists.
 * - `BENCH_D1_RTT_MS` / `BENCH_KV_RTT_MS` add that many ms before each D1 round trip (a statement,
 *   or a whole batch, which D1 sends as one request) and each KV call: the latency-simulation mode.
 * - `x-bench-memory: off` on a request hands the app `MEMORY_CACHE_TTL_MS: "0"`, which turns its
 *   in-memory tier off, so that the KV tier is measured alone.
 * - `BENCH_RATE_LIMITER = "off"` hands the app no `RATE_LIMITER` binding (it then limits
 *   nothing), to see what the per-token limiter costs.
 *
 * - Lookups are also counted by the tier their `Server-Timing` header names (`memory`, `kv`,
 *   `d1`; `none` without one), and every storage call made on behalf of a lookup is attributed
 *   to the tier that answered it: each lookup runs in its own AsyncLocalStorage context
 *   (`nodejs_als`), which follows its D1 and KV calls through `await`s, shared loads (the first
 *   caller's context runs the load) and `waitUntil` work. Calls made before the answer are held
 *   per request until the answer names its tier; calls made after it (cache writes in
 *   `waitUntil`) go straight to that tier. Calls outside any lookup are counted as `outside`.
 *
 * It answers `GET /__bench/counters` and `POST /__bench/counters/reset` itself; every other
 * request goes to the app. Counters live in this isolate: `wrangler dev` runs exactly one.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import app from "../src/index";
import type { CounterState as Counters, StorageKind, TierCounts } from "./counters.ts";

/** The benchmark's own variables (bench/wrangler.bench.toml), on top of the app's `Env`. */
interface BenchVars {
  BENCH_D1_RTT_MS?: string;
  BENCH_KV_RTT_MS?: string;
  BENCH_RATE_LIMITER?: string;
}

type BenchEnv = Env & BenchVars;

function emptyTierCounts(): TierCounts {
  return { lookups: 0, d1Statements: 0, tokenStatements: 0, kvReads: 0, kvWrites: 0, kvDeletes: 0 };
}

function emptyCounters(): Counters {
  return {
    since: Date.now(),
    requests: 0,
    lookups: 0,
    lookupStatus: {},
    d1: { statements: 0, tokenStatements: 0, batches: 0, execs: 0, sessions: 0 },
    kv: { reads: 0, writes: 0, deletes: 0, lists: 0 },
    byTier: {},
  };
}

let counters = emptyCounters();

function tierCounts(tier: string): TierCounts {
  let counts = counters.byTier[tier];
  if (counts === undefined) {
    counts = emptyTierCounts();
    counters.byTier[tier] = counts;
  }
  return counts;
}

/** One lookup's storage calls, until its answer says which tier served it. */
interface LookupTrace {
  /** `null` until the answer is in. */
  tier: string | null;
  held: Record<StorageKind, number>;
}

const traces = new AsyncLocalStorage<LookupTrace>();

/** Attributes one storage call to the lookup it was made for (or to `outside`). */
function attribute(kind: StorageKind): void {
  const trace = traces.getStore();
  if (trace === undefined) tierCounts("outside")[kind] += 1;
  else if (trace.tier === null) trace.held[kind] += 1;
  else tierCounts(trace.tier)[kind] += 1;
}

/** The answer named its tier: the lookup counts there, with the calls it made so far. */
function settle(trace: LookupTrace, tier: string): void {
  trace.tier = tier;
  const counts = tierCounts(tier);
  counts.lookups += 1;
  for (const kind of Object.keys(trace.held) as StorageKind[]) {
    counts[kind] += trace.held[kind];
    trace.held[kind] = 0;
  }
}

/** The tier a lookup's `Server-Timing` names (`tier;desc="kv", storage;dur=3`), or `none`. */
function answeringTier(response: Response): string {
  const timing = response.headers.get("Server-Timing") ?? "";
  return /(?:^|,)\s*tier;desc="?([a-z0-9]+)"?/i.exec(timing)?.[1] ?? "none";
}

/** A round trip's simulated latency; nothing at all when it is 0. */
function delay(ms: number): Promise<void> | undefined {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined;
}

function rttMs(value: string | undefined): number {
  const ms = Number(value ?? "0");
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

// ---- D1 -------------------------------------------------------------------------------------

interface StatementInfo {
  real: D1PreparedStatement;
  /** Whether it reads or writes `api_tokens` (the token check), counted apart as well. */
  token: boolean;
}

/** Our statement wrappers → the real statements, which `batch` must be given. */
const statementInfo = new WeakMap<object, StatementInfo>();

function countStatement(token: boolean): void {
  counters.d1.statements += 1;
  attribute("d1Statements");
  if (token) {
    counters.d1.tokenStatements += 1;
    attribute("tokenStatements");
  }
}

function countingStatement(real: D1PreparedStatement, token: boolean, rtt: number): D1PreparedStatement {
  const executed = async <T>(work: () => Promise<T>): Promise<T> => {
    countStatement(token);
    await delay(rtt);
    return work();
  };
  const statement = {
    bind: (...values: unknown[]) => countingStatement(real.bind(...values), token, rtt),
    first: (column?: string) => executed(() => (column === undefined ? real.first() : real.first(column))),
    run: () => executed(() => real.run()),
    all: () => executed(() => real.all()),
    raw: (options?: { columnNames?: boolean }) =>
      executed(() => real.raw(options as { columnNames?: false } | undefined)),
  };
  statementInfo.set(statement, { real, token });
  return statement as unknown as D1PreparedStatement;
}

/** What `D1Database` and `D1DatabaseSession` have in common. */
interface D1Queryable {
  prepare(query: string): D1PreparedStatement;
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
}

function countingQueryable(real: D1Queryable, rtt: number) {
  return {
    prepare: (query: string) => countingStatement(real.prepare(query), query.includes("api_tokens"), rtt),
    batch: async <T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> => {
      const infos = statements.map((statement) => statementInfo.get(statement));
      for (const info of infos) countStatement(info?.token ?? false);
      counters.d1.batches += 1;
      // A batch is one round trip to D1, however many statements it holds.
      await delay(rtt);
      return real.batch<T>(statements.map((statement, i) => infos[i]?.real ?? statement));
    },
  };
}

function countingD1(real: D1Database, rtt: number): D1Database {
  const db = {
    ...countingQueryable(real, rtt),
    exec: async (query: string) => {
      counters.d1.execs += 1;
      await delay(rtt);
      return real.exec(query);
    },
    withSession: (constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint) => {
      counters.d1.sessions += 1;
      const session = real.withSession(constraintOrBookmark);
      const counted = {
        ...countingQueryable(session, rtt),
        getBookmark: () => session.getBookmark(),
      };
      return counted as unknown as D1DatabaseSession;
    },
    dump: () => real.dump(),
  };
  return db as unknown as D1Database;
}

// ---- KV -------------------------------------------------------------------------------------

const KV_KINDS: Record<string, keyof Counters["kv"]> = {
  get: "reads",
  getWithMetadata: "reads",
  put: "writes",
  delete: "deletes",
  list: "lists",
};

const KV_TIER_KINDS: Partial<Record<keyof Counters["kv"], StorageKind>> = {
  reads: "kvReads",
  writes: "kvWrites",
  deletes: "kvDeletes",
};

function countingKv(real: KVNamespace, rtt: number): KVNamespace {
  return new Proxy(real, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      const kind = typeof property === "string" ? KV_KINDS[property] : undefined;
      if (typeof value !== "function" || kind === undefined) return value;
      const tierKind = KV_TIER_KINDS[kind];
      return async (...args: unknown[]) => {
        counters.kv[kind] += 1;
        if (tierKind !== undefined) attribute(tierKind);
        await delay(rtt);
        return value.apply(target, args);
      };
    },
  });
}

// ---- env ------------------------------------------------------------------------------------

interface BenchEnvs {
  /** The app's env with counting bindings. */
  counted: Env;
  /** The same with the in-memory tier turned off (`x-bench-memory: off`). */
  memoryOff: Env;
}

/** `env` with some variables replaced (its type holds wrangler.toml's values as literals). */
function withVars(env: Env, vars: Record<string, string>): Env {
  return { ...env, ...vars };
}

/** `env` without one binding. */
function without(env: Env, name: string): Env {
  const copy: Record<string, unknown> = { ...env };
  delete copy[name];
  return copy as unknown as Env;
}

/**
 * Made once per real `env`, so that the app's per-`env` and per-binding memos (configuration,
 * Drizzle instance) keep working as they do in production.
 */
const envs = new WeakMap<object, BenchEnvs>();

function benchEnvs(env: BenchEnv): BenchEnvs {
  let made = envs.get(env);
  if (made === undefined) {
    let counted: Env = {
      ...env,
      DB: countingD1(env.DB, rttMs(env.BENCH_D1_RTT_MS)),
      CACHE: countingKv(env.CACHE, rttMs(env.BENCH_KV_RTT_MS)),
    };
    if (env.BENCH_RATE_LIMITER === "off") counted = without(counted, "RATE_LIMITER");
    made = { counted, memoryOff: withVars(counted, { MEMORY_CACHE_TTL_MS: "0" }) };
    envs.set(env, made);
  }
  return made;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

async function benchFetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  // Date.now() is frozen at 0 while the module loads: the first request dates the counters.
  if (counters.since === 0) counters.since = Date.now();
  if (url.pathname === "/__bench/counters" && request.method === "GET") {
    return json({
      ...counters,
      rttMs: { d1: rttMs(env.BENCH_D1_RTT_MS), kv: rttMs(env.BENCH_KV_RTT_MS) },
      rateLimiter: env.BENCH_RATE_LIMITER !== "off" && "RATE_LIMITER" in env,
    });
  }
  if (url.pathname === "/__bench/counters/reset" && request.method === "POST") {
    counters = emptyCounters();
    return json(counters);
  }

  const { counted, memoryOff } = benchEnvs(env);
  const appEnv = request.headers.get("x-bench-memory") === "off" ? memoryOff : counted;
  const isLookup = url.pathname === "/api/clients/view";
  // The counters object may be swapped by a reset while this request runs: count into the one
  // that was current when it started.
  const current = counters;
  current.requests += 1;
  if (!isLookup) return app.fetch(request, appEnv, ctx);
  current.lookups += 1;
  const trace: LookupTrace = {
    tier: null,
    held: { d1Statements: 0, tokenStatements: 0, kvReads: 0, kvWrites: 0, kvDeletes: 0 },
  };
  try {
    const response = await traces.run(trace, () => app.fetch(request, appEnv, ctx));
    const status = String(response.status);
    current.lookupStatus[status] = (current.lookupStatus[status] ?? 0) + 1;
    settle(trace, answeringTier(response));
    return response;
  } catch (error) {
    current.lookupStatus.thrown = (current.lookupStatus.thrown ?? 0) + 1;
    settle(trace, "none");
    throw error;
  }
}

export default { fetch: benchFetch } satisfies ExportedHandler<BenchEnv>;
