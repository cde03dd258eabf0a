import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../request-context";

/**
 * The headers every response carries, errors included: answers are per caller and must never
 * be stored by a shared cache, nor sniffed as anything but JSON. (`X-Request-Id` is set by
 * hono's `requestId`.)
 */
export const responseHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.res.headers.set("Cache-Control", "no-store");
  c.res.headers.set("X-Content-Type-Options", "nosniff");
});
