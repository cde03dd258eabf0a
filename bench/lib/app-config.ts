/**
 * The app's configuration as the bench uses it: wrangler.toml's variables, read with wrangler's
 * own reader and passed on to the bench server, with a warning where bench/wrangler.bench.toml
 * has drifted from them; and the two settings the reports explain their numbers with.
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/wrangler.ts";
import { readWorkerConfig } from "../../scripts/lib/wrangler-config.ts";
import { DEFAULT_CACHE_POLICY } from "../../src/cache/policy.ts";
import { BENCH_CONFIG } from "./server.ts";

/**
 * The app's variables as wrangler.toml has them now, passed to the bench server with `--var`,
 * so that a change there is benchmarked even before bench/wrangler.bench.toml follows it.
 */
export async function appVars(): Promise<Record<string, string>> {
  const app = await readWorkerConfig(join(PROJECT_ROOT, "wrangler.toml"));
  const bench = await readWorkerConfig(BENCH_CONFIG);
  const vars: Record<string, string> = {};
  for (const [name, value] of app.vars) {
    if (bench.vars.get(name) !== value) {
      const benchValue = bench.vars.get(name);
      console.warn(
        `warning: ${name} is "${value}" in wrangler.toml but ${benchValue === undefined ? "missing" : `"${benchValue}"`} in bench/wrangler.bench.toml: using "${value}" (please update the bench config)`,
      );
    }
    vars[name] = value;
  }
  for (const binding of app.bindings) {
    if (!bench.bindings.has(binding)) {
      console.warn(`warning: binding ${binding} of wrangler.toml is missing from bench/wrangler.bench.toml`);
    }
  }
  return vars;
}

/** The app's settings that the report explains the numbers with (wrangler.toml's [vars], else the policy's defaults). */
export interface AppSettings {
  memoryTtlMs: number;
  kvTtlSeconds: number;
}

/** The settings the reports explain their numbers with, from the variables the server runs with. */
export function appSettings(vars: Record<string, string>): AppSettings {
  return {
    memoryTtlMs: Number(vars.MEMORY_CACHE_TTL_MS ?? DEFAULT_CACHE_POLICY.lookups.memory.ttlMs),
    kvTtlSeconds: Number(vars.CACHE_TTL_SECONDS ?? DEFAULT_CACHE_POLICY.lookups.kv.ttlSeconds),
  };
}
