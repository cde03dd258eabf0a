/**
 * The OpenAPI side of the routes: response entries with the headers every response carries,
 * the errors every protected route shares, and the document and docs page themselves. The
 * document is generated from the same zod schemas the routes validate with, ahead of time
 * (src/openapi-document.ts, `npm run openapi`), and served as generated.
 */
import type { Context } from "hono";
import * as z from "zod";
import { ErrorMessage, errorBodySchema } from "./errors";
import { lazy } from "./lib/lazy";
import { allowMethods } from "./middleware/allow-methods";
import type { AppEnv } from "./request-context";
import type { ApiRouter } from "./router";

type HeaderObject = { description: string; schema: { type: "string" } };

const header = (description: string): HeaderObject => ({ description, schema: { type: "string" } });

/** The headers every response carries. */
const COMMON_HEADERS = {
  "X-Request-Id": header(
    "The request's id: the caller's own `X-Request-Id` when well-formed, else a new one.",
  ),
  "Cache-Control": header("Always `no-store`."),
  "X-Content-Type-Options": header("Always `nosniff`."),
};

/** The body of a write that answers nothing else: `{"success":true}`. */
export const successResponseSchema = lazy(() =>
  z.object({ success: z.literal(true) }).meta({ id: "SuccessResponse" }),
);

/** The header a write answers with, and a read accepts. */
export const BOOKMARK_HEADER = {
  "x-d1-bookmark": header(
    "The D1 bookmark after the query: send it back on a lookup to read from a replica at least this new.",
  ),
};

/**
 * A JSON response entry with the headers every response carries. Responses are not validated:
 * only the OpenAPI document reads `schema`, so it is built then, and never by the Worker.
 */
export function jsonResponse<S extends z.ZodType>(
  description: string,
  schema: () => S,
  example: z.input<S>,
  headers: Record<string, HeaderObject> = {},
) {
  const built = lazy(schema);
  return {
    description,
    headers: { ...COMMON_HEADERS, ...headers },
    content: {
      "application/json": {
        get schema() {
          return built();
        },
        example,
      },
    },
  };
}

/** An error response entry: `{"error": message}`, with an example for each message it may carry. */
export function errorResponse(
  description: string,
  messages: readonly ErrorMessage[],
  headers: Record<string, HeaderObject> = {},
) {
  const examples = Object.fromEntries(messages.map((error) => [error, { value: { error } }]));
  return {
    description,
    headers: { ...COMMON_HEADERS, ...headers },
    content: {
      "application/json": {
        get schema() {
          return errorBodySchema();
        },
        examples,
      },
    },
  };
}

/** The errors every route behind a bearer token may answer. */
export function protectedRouteErrors(scope: string, allow: string) {
  return {
    401: errorResponse(
      "No valid bearer token: missing, another scheme, unknown, expired or revoked.",
      [ErrorMessage.unauthorized],
      {
        "WWW-Authenticate": header(
          '`Bearer realm="clients-api"`, plus `error="invalid_token"` when a token was sent.',
        ),
      },
    ),
    403: errorResponse(`The token lacks the \`${scope}\` scope.`, [ErrorMessage.permissionDenied]),
    405: errorResponse("Another method on this path.", [ErrorMessage.methodNotAllowed], {
      Allow: header(`\`${allow}\``),
    }),
    408: errorResponse("Storage did not answer within `LOOKUP_TIMEOUT_MS`.", [ErrorMessage.requestTimeout]),
    429: errorResponse("The token is over its rate limit.", [ErrorMessage.tooManyRequests], {
      "Retry-After": header("Seconds to wait before trying again."),
    }),
    500: errorResponse("An unexpected failure; details go to the logs, never to the caller.", [
      ErrorMessage.internal,
    ]),
    503: errorResponse(
      "The database stayed too busy within `LOOKUP_TIMEOUT_MS`; nothing was written.",
      [ErrorMessage.serviceUnavailable],
      { "Retry-After": header("Seconds to wait before trying again.") },
    ),
  };
}

// The reference page: its scripts are this origin's static files (no inline script, nothing from
// another origin), so a Content-Security-Policy can allow exactly those.
const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Chat session lookup API</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="/docs/scalar.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// Scripts from this origin only; the reference styles itself inline and draws with data: URLs.
const DOCS_SECURITY_HEADERS = {
  "Content-Security-Policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; "),
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
};

/**
 * Serves the OpenAPI 3.1 document at `/openapi.json` (written by `npm run openapi` into
 * public/openapi.json) and an interactive reference at `/docs`,
 * whose scripts (`/docs/scalar.js`, `/docs/init.js`) are static assets the Worker serves itself,
 * so that the page renders with no internet access and every file carries the usual headers.
 */
export function registerDocs(app: ApiRouter): void {
  for (const path of ["/openapi.json", "/docs", "/docs/*"]) app.all(path, allowMethods("GET"));
  app.get("/openapi.json", async (c) => {
    // A static asset (public/openapi.json), not a part of the script every cold start parses.
    // Its server is relative (`/`): the document describes the server that serves it, whatever
    // Host a caller sends.
    const document = await staticAsset(c, "/openapi.json", { "Content-Type": "application/json" });
    if (document === undefined) throw new Error("the OpenAPI document is missing from the assets");
    return document;
  });
  app.get("/docs", (c) => c.html(DOCS_PAGE, 200, DOCS_SECURITY_HEADERS));
  app.get("/docs/*", async (c) => {
    const script = await staticAsset(c, c.req.path, DOCS_SECURITY_HEADERS);
    return script ?? c.json({ error: ErrorMessage.notFound }, 404);
  });
}

/** The static asset at `path` (`public/`), or `undefined` when there is none. */
async function staticAsset(
  c: Context<AppEnv>,
  path: string,
  headers: Record<string, string>,
): Promise<Response | undefined> {
  const asset = await c.env.ASSETS.fetch(new URL(path, c.req.url));
  if (asset.status !== 200) return undefined;
  const type = asset.headers.get("Content-Type") ?? "application/octet-stream";
  // Through the context, so that the middleware's headers (the request id) are set on it too.
  return c.body(asset.body ?? "", 200, { "Content-Type": type, ...headers });
}
