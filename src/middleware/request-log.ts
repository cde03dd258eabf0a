import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { logEvent } from "../lib/log";
import type { AppEnv } from "../request-context";

/**
 * One structured log line per request: request id, method, route pattern (never the path
 * itself, which may hold a chat id), status, cache tier, duration and the token's name (never
 * the token). Nothing of the query string or body is logged.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const route = matchedRoutes(c)[c.req.routeIndex]?.path;
  logEvent(c.res.status >= 500 ? "error" : "info", "request", {
    requestId: c.var.requestId,
    method: c.req.method,
    route: route === undefined || route === "/*" || route === "*" ? "unmatched" : route,
    status: c.res.status,
    tier: c.var.cacheTier,
    token: c.var.token?.name,
    durationMs: Date.now() - started,
  });
});
