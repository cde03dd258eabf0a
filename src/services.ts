/**
 * What lives once per Worker instance (isolate): the configuration, the clock, the lookup's
 * cache and the token cache. Made on the first request that needs them, so tests can make
 * their own with a clock they step.
 */
import { TokenCache } from "./auth/token-cache";
import { type Config, readConfig } from "./env";
import { type Clock, systemClock } from "./lib/clock";
import { LookupCache } from "./lookup/lookup-cache";

export interface Services {
  config: Config;
  clock: Clock;
  /** The database, for reads that no cache serves (management reads). */
  db: D1Database;
  lookups: LookupCache;
  tokens: TokenCache;
}

/** What a test may replace; the Worker itself runs on the defaults. */
export interface ServiceOptions {
  clock?: Clock;
  /** How long after a write its settle pass runs (default 1.5 s). */
  settleDelayMs?: number;
}

/**
 * The services of one Worker instance.
 *
 * @throws {Error} when a variable is set to something unusable (a deploy mistake, answered 500).
 */
export function createServices(env: Env, options: ServiceOptions = {}): Services {
  const config = readConfig(env);
  const clock = options.clock ?? systemClock;
  return {
    config,
    clock,
    db: env.DB,
    lookups: new LookupCache({
      db: env.DB,
      kv: env.CACHE,
      config,
      clock,
      ...(options.settleDelayMs !== undefined && { settleDelayMs: options.settleDelayMs }),
    }),
    tokens: new TokenCache({ db: env.DB, clock, maxLoadMs: config.lookupTimeoutMs }),
  };
}
