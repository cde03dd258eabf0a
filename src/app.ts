/**
 * The application shell: the headers every response carries, the services each request gets,
 * and the one place where errors become HTTP responses.
 */
import type { Context } from "hono";
import { HonoBase as Hono } from "hono/hono-base";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { ApiError, ErrorMessage } from "./errors";
import { DeferredTrieRouter } from "./lib/deferred-router";
import { describeError, logEvent } from "./lib/log";
import { corsFromConfig } from "./middleware/cors";
import { requestLog } from "./middleware/request-log";
import { responseHeaders } from "./middleware/response-headers";
import type { AppEnv } from "./request-context";
import { type InstanceServices, provideServices } from "./services";

/** The one place where a failure becomes an HTTP response. */
function respondToError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof ApiError) {
    return c.json(error.toBody(), error.status, error.headers);
  }
  // The validator rejects a body that is not JSON before our hook.
  if (error instanceof HTTPException && error.status === 400) {
    const details = [{ path: "", message: "Body is not valid JSON" }];
    return c.json({ error: ErrorMessage.invalidBody, details }, 400);
  }
  logEvent("error", "request.failed", { requestId: c.var.requestId, error: describeError(error) });
  return c.json({ error: ErrorMessage.internal }, 500);
}

/** The app with its cross-cutting middleware; src/index.ts mounts the routes (src/routes.ts) on it. */
export function createApp(instance: InstanceServices) {
  // The trie router alone: Hono's default tries its RegExpRouter first, which cannot take these
  // routes (a literal path beside a parameter, `/api/clients/view` and `/{id}`) and falls back to
  // the trie at the first request; both ship in the script otherwise. Built at the first request
  // too, as the default's is (src/lib/deferred-router.ts).
  const app = new Hono<AppEnv>({ router: new DeferredTrieRouter() });
  app.use(requestId());
  app.use(responseHeaders);
  app.use(requestLog);
  app.use(provideServices(instance));
  app.use(corsFromConfig);
  app.onError(respondToError);
  app.notFound((c) => c.json({ error: ErrorMessage.notFound }, 404));
  return app;
}
