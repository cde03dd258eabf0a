import { createMiddleware } from "hono/factory";
import { type AppEnv, readConfig } from "../env";

/**
 * Starts the request's storage deadline (`LOOKUP_TIMEOUT_MS` from now): every storage call of
 * the request, token check included, must finish by then or the request answers 408.
 */
export const startDeadline = createMiddleware<AppEnv>(async (c, next) => {
  c.set("deadline", Date.now() + readConfig(c.env).lookupTimeoutMs);
  await next();
});
