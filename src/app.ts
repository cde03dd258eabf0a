/**
 * The application shell: routers with the one validation hook, the headers every response
 * carries, and the one place where errors become HTTP responses.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { ZodError } from "zod";
import type { AppEnv } from "./env";
import { ApiError, ErrorMessage } from "./errors";
import { describeError, logEvent } from "./lib/log";
import { corsFromConfig } from "./middleware/cors";
import { startDeadline } from "./middleware/deadline";
import { requestLog } from "./middleware/request-log";
import { responseHeaders } from "./middleware/response-headers";

const CONTRACT_MESSAGES = new Set<string>(Object.values(ErrorMessage));

/**
 * Turns a failed validation into the contract's 400. Body failures answer
 * `{"error":"Invalid request body","details":[…]}`; query and path failures answer the message
 * their schema chose ("Chat ID is required", "Invalid chat ID").
 */
function validationError(target: string, error: ZodError): ApiError {
  if (target === "json") {
    const details = error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    }));
    return new ApiError(400, ErrorMessage.invalidBody, { details: { details } });
  }
  const message = error.issues.find((issue) => CONTRACT_MESSAGES.has(issue.message))?.message;
  return new ApiError(400, (message as ErrorMessage | undefined) ?? ErrorMessage.invalidBody);
}

/** A router whose routes validate through the one hook. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.target, result.error);
    },
  });
}

/** The one place where a failure becomes an HTTP response. */
function respondToError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof ApiError) {
    return c.json(error.toBody(), error.status, error.headers);
  }
  // The validators reject a body that is not JSON, or not declared as JSON, before our hook.
  if (error instanceof HTTPException && (error.status === 400 || error.status === 415)) {
    const message = error.status === 415 ? "Content-Type must be application/json" : "Body is not valid JSON";
    return c.json({ error: ErrorMessage.invalidBody, details: [{ path: "", message }] }, 400);
  }
  logEvent("error", "request.failed", { requestId: c.var.requestId, error: describeError(error) });
  return c.json({ error: ErrorMessage.internal }, 500);
}

/** The app with its cross-cutting middleware; src/index.ts mounts the routes on it. */
export function createApp() {
  const app = createRouter();
  app.use(requestId());
  app.use(responseHeaders);
  app.use(requestLog);
  app.use(corsFromConfig);
  app.use("/api/*", startDeadline);
  app.onError(respondToError);
  app.notFound((c) => c.json({ error: ErrorMessage.notFound }, 404));
  return app;
}
