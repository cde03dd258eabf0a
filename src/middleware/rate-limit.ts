import type { Context, MiddlewareHandler } from "hono";
import { ApiError, ErrorMessage } from "../errors";
import { OVER_BUDGET, withinBudget } from "../lib/deadline";
import { describeError, logEvent } from "../lib/log";
import type { AppEnv } from "../request-context";

// The limiter answers from the location's own counters; if it is slow or failing, the request
// goes on: a broken limiter must not take the lookup down with it.
const LIMITER_BUDGET_MS = 100;

/**
 * The Rate Limiting bindings that count requests per token (wrangler.toml): every request of a
 * token-checked route; lookups that skip the caches; batches.
 */
export type RateLimiterName = "RATE_LIMITER" | "NO_CACHE_RATE_LIMITER" | "BATCH_RATE_LIMITER";

/**
 * Limits requests per token with a Workers Rate Limiting binding: over the limit,
 * `429 {"error":"Too many requests"}` with `Retry-After`. Each token has its own counter, so one
 * busy or abusive caller never slows the others. Runs after authentication. Without the binding
 * (removed from wrangler.toml), requests are not limited.
 *
 * @param name - The binding that counts.
 * @param applies - Which requests it counts (default: all).
 * @throws {ApiError} 429 when the token is over its limit.
 */
export function limitPerToken(
  name: RateLimiterName,
  applies: (c: Context<AppEnv>) => boolean = () => true,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limiter: RateLimit | undefined = c.env[name];
    if (limiter !== undefined && applies(c)) await count(c, limiter);
    await next();
  };
}

async function count(c: Context<AppEnv>, limiter: RateLimit): Promise<void> {
  try {
    const outcome = await withinBudget(
      limiter.limit({ key: `token:${c.var.tokenHash.slice(0, 32)}` }),
      LIMITER_BUDGET_MS,
      c.var.services.clock,
    );
    if (outcome === OVER_BUDGET) {
      logEvent("warn", "rate_limit.timeout", { requestId: c.var.requestId });
    } else if (!outcome.success) {
      throw new ApiError(429, ErrorMessage.tooManyRequests, {
        headers: { "Retry-After": String(c.var.services.config.rateLimitPeriodSeconds) },
      });
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    logEvent("warn", "rate_limit.failed", { requestId: c.var.requestId, error: describeError(error) });
  }
}
