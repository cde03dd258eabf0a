import { createMiddleware } from "hono/factory";
import { ApiError, ErrorMessage } from "../errors";
import type { AppEnv } from "../request-context";

// `application/json`, optionally with `charset=utf-8`: the only body the routes read as written.
const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

// Fatal: a lenient decoder would put U+FFFD in place of each invalid byte, and that would be stored.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function invalidBody(message: string): ApiError {
  return new ApiError(400, ErrorMessage.invalidBody, { details: { details: [{ path: "", message }] } });
}

/**
 * Refuses a body not declared as plain JSON in UTF-8 (`application/merge-patch+json`, another
 * charset, none), or not valid UTF-8, before it is parsed: a body is read only as the caller
 * meant it.
 *
 * @throws {ApiError} 400 "Invalid request body".
 */
export const requireJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (!JSON_CONTENT_TYPE.test(c.req.header("Content-Type") ?? "")) {
    throw invalidBody("Content-Type must be application/json");
  }
  // Read once: the JSON validator then parses the same bytes, from hono's body cache.
  const body = await c.req.arrayBuffer();
  try {
    UTF8.decode(body);
  } catch {
    throw invalidBody("Body is not valid UTF-8");
  }
  await next();
});
