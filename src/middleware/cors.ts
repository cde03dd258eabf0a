import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../request-context";

const corsFor = new Map<string, ReturnType<typeof cors>>();

/**
 * CORS, off unless `ALLOWED_ORIGINS` names origins: bot backends call server to server and need
 * none. When on, only those exact origins are echoed, never `*`, and no credentials are
 * allowed: the bearer token travels in a header the page sets itself.
 */
export const corsFromConfig = createMiddleware<AppEnv>(async (c, next) => {
  const origins = c.var.services.config.allowedOrigins;
  if (origins.length === 0) return next();
  const key = origins.join(",");
  let middleware = corsFor.get(key);
  if (middleware === undefined) {
    middleware = cors({
      origin: (origin) => (origins.includes(origin) ? origin : null),
      allowMethods: ["GET", "POST", "PUT", "DELETE"],
      allowHeaders: ["Authorization", "Content-Type", "Cache-Control", "X-Request-Id", "x-d1-bookmark"],
      exposeHeaders: ["X-Request-Id", "Server-Timing", "x-d1-bookmark", "Retry-After", "WWW-Authenticate"],
      credentials: false,
      maxAge: 600,
    });
    corsFor.set(key, middleware);
  }
  return middleware(c, next);
});
