import { createMiddleware } from "hono/factory";
import { ApiError, ErrorMessage } from "../errors";
import type { AppEnv } from "../request-context";

// `application/json`, optionally with `charset=utf-8`: the only body the routes read as written.
const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Refuses a body not declared as plain JSON in UTF-8 (`application/merge-patch+json`, another
 * charset, none), before it is parsed: a body is read only as the caller meant it.
 *
 * @throws {ApiError} 400 "Invalid request body".
 */
export const requireJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (!JSON_CONTENT_TYPE.test(c.req.header("Content-Type") ?? "")) {
    throw new ApiError(400, ErrorMessage.invalidBody, {
      details: { details: [{ path: "", message: "Content-Type must be application/json" }] },
    });
  }
  await next();
});
