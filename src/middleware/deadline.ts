import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../request-context";

/**
 * Starts the request's storage deadline (`LOOKUP_TIMEOUT_MS` from now): every storage call of
 * the request, token check included, must finish by then or the request answers 408.
 */
export const startDeadline = createMiddleware<AppEnv>(async (c, next) => {
  const { clock, config } = c.var.services;
  c.set("deadline", clock.now() + config.lookupTimeoutMs);
  await next();
});
