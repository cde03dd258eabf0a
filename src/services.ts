/**
 * What lives once per Worker instance (isolate): the configuration, the clock, the cache policy,
 * the lookup's cache, the session statuses' cache, the token cache and the event outbox; and the
 * middleware that hands them to each request. Made on the first request that needs them (or the
 * first queue batch or Cron Trigger), so tests can make their own with a clock they step.
 */
import { createMiddleware } from "hono/factory";
import { TokenCache } from "./auth/token-cache";
import { LookupCache } from "./cache/lookups/lookup-cache";
import { cachePolicy } from "./cache/policy";
import { SessionCache } from "./cache/sessions/session-cache";
import { EventOutbox } from "./delivery/outbox";
import { DELIVERY_POLICY } from "./delivery/policy";
import { readConfig } from "./env";
import { type Clock, systemClock } from "./lib/clock";
import type { AppEnv, Services } from "./request-context";

/** What a test may replace; the Worker itself runs on the defaults. */
export interface ServiceOptions {
  clock?: Clock;
  /** How long after a write its settle pass runs (default: the cache policy's). */
  settleDelayMs?: number;
  /** Whether an instance's first request sweeps the outbox (default: yes). */
  sweepOnStart?: boolean;
  /** The receivers' `fetch` for deliveries (default: the global one). */
  fetch?: typeof fetch;
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
  const outbox = new EventOutbox({
    db: env.DB,
    queue: env.WEBHOOK_DELIVERIES,
    policy: DELIVERY_POLICY,
    holdSends: config.holdQueueSend,
  });
  return {
    config,
    clock,
    db: env.DB,
    delivery: DELIVERY_POLICY,
    outbox,
    lookups: new LookupCache({
      db: env.DB,
      kv: env.CACHE,
      policy: policy.lookups,
      clock,
      maxLoadMs: config.lookupTimeoutMs,
      outbox,
    }),
    sessions: new SessionCache({
      db: env.DB,
      kv: env.CACHE,
      policy: policy.sessions,
      clock,
      maxLoadMs: config.lookupTimeoutMs,
      outbox,
    }),
    tokens: new TokenCache({ db: env.DB, clock, policy: policy.tokens, maxLoadMs: config.lookupTimeoutMs }),
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  };
}

/** The services of each Worker instance: one set per `env`, the same object for every request of an instance. */
export interface InstanceServices {
  /** The services for `env`; `started` runs once, when they are made (the instance's start). */
  of(env: Env, started?: (services: Services) => void): Services;
  readonly options: ServiceOptions;
}

export function instanceServices(options: ServiceOptions = {}): InstanceServices {
  const made = new WeakMap<Env, Services>();
  return {
    options,
    of(env, started) {
      let services = made.get(env);
      if (services === undefined) {
        services = createServices(env, options);
        made.set(env, services);
        started?.(services);
      }
      return services;
    },
  };
}

/**
 * Hands each request its Worker instance's services (`c.var.services`). The first request of an
 * instance also sweeps the outbox, in the background: events a crashed instance committed but
 * never queued go out now (wrangler dev fires no Cron Trigger by itself).
 */
export function provideServices(instance: InstanceServices) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const services = instance.of(c.env, (made) => {
      if (instance.options.sweepOnStart === false) return;
      const startedAt = made.clock.now();
      const scope = { requestId: c.var.requestId, deadline: startedAt + made.config.lookupTimeoutMs };
      c.executionCtx.waitUntil(
        made.outbox.sweep({ ...scope, waitUntil: (work) => c.executionCtx.waitUntil(work) }, startedAt),
      );
    });
    c.set("services", services);
    await next();
  });
}
