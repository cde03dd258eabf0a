/**
 * What lives once per Worker instance (isolate): the configuration, the clock, the cache policy,
 * the lookup's cache, the session statuses' cache and the token cache; and the middleware that
 * hands them to each request. Made on the first request that needs them, so tests can make their
 * own with a clock they step.
 */
import { createMiddleware } from "hono/factory";
import { TokenCache } from "./auth/token-cache";
import { LookupCache } from "./cache/lookups/lookup-cache";
import { cachePolicy } from "./cache/policy";
import { SessionCache } from "./cache/sessions/session-cache";
import { readConfig } from "./env";
import { type Clock, systemClock } from "./lib/clock";
import type { AppEnv, Services } from "./request-context";

/** What a test may replace; the Worker itself runs on the defaults. */
export interface ServiceOptions {
  clock?: Clock;
  /** How long after a write its settle pass runs (default: the cache policy's). */
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
  const policy = cachePolicy({ ...config.cache, settleDelayMs: options.settleDelayMs });
  return {
    config,
    clock,
    db: env.DB,
    lookups: new LookupCache({
      db: env.DB,
      kv: env.CACHE,
      policy: policy.lookups,
      clock,
      maxLoadMs: config.lookupTimeoutMs,
    }),
    sessions: new SessionCache({
      db: env.DB,
      kv: env.CACHE,
      policy: policy.sessions,
      clock,
      maxLoadMs: config.lookupTimeoutMs,
    }),
    tokens: new TokenCache({ db: env.DB, clock, policy: policy.tokens, maxLoadMs: config.lookupTimeoutMs }),
  };
}

/**
 * Hands each request its Worker instance's services (`c.var.services`), made on the first
 * request: one set per `env`, which is the same object for every request of an instance.
 */
export function provideServices(options: ServiceOptions = {}) {
  const made = new WeakMap<Env, Services>();
  return createMiddleware<AppEnv>(async (c, next) => {
    let services = made.get(c.env);
    if (services === undefined) {
      services = createServices(c.env, options);
      made.set(c.env, services);
    }
    c.set("services", services);
    await next();
  });
}
