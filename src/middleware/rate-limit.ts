import { createMiddleware } from "hono/factory";
import { ApiError, ErrorMessage } from "../errors";
import { OVER_BUDGET, withinBudget } from "../lib/deadline";
import { describeError, logEvent } from "../lib/log";
import type { AppEnv } from "../request-context";

// The limiter answers from the location's own counters; if it is slow or failing, the request
// goes on: a broken limiter must not take the lookup down with it.
const LIMITER_BUDGET_MS = 100;

/**
 * Limits requests per token with the Workers Rate Limiting binding (`RATE_LIMITER`): over the
 * limit, `429 {"error":"Too many requests"}` with `Retry-After`. Each token has its own
 * counter, so one busy or abusive caller never slows the others. Runs after authentication.
 * Without the binding (removed from wrangler.toml), requests are not limited.
 *
 * @throws {ApiError} 429 when the token is over its limit.
 */
export const limitPerToken = createMiddleware<AppEnv>(async (c, next) => {
  const limiter: RateLimit | undefined = c.env.RATE_LIMITER;
  if (limiter !== undefined) {
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
  await next();
});
