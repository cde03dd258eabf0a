import { createMiddleware } from "hono/factory";
import { ApiError, ErrorMessage } from "../errors";
import type { AppEnv } from "../request-context";

/**
 * Answers 405 with `Allow` to any method but `methods` on a path; the allowed ones (and HEAD
 * where GET is allowed) go on to their routes. Mounted before a path's routes, so it wins over
 * a broader route of another method, such as `PUT /{id}` for `/view`.
 *
 * @example
 * app.all("/api/clients/view", allowMethods("GET"));
 */
export function allowMethods(...methods: string[]) {
  const allowed = new Set(methods.includes("GET") ? [...methods, "HEAD"] : methods);
  const allow = methods.join(", ");
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!allowed.has(c.req.method)) {
      throw new ApiError(405, ErrorMessage.methodNotAllowed, { headers: { Allow: allow } });
    }
    await next();
  });
}
