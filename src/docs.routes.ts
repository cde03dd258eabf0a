/**
 * The API's own documentation: the OpenAPI 3.1 document at `/openapi.json` (written by
 * `npm run openapi` into public/openapi.json) and an interactive reference at `/docs`, whose
 * scripts (`/docs/scalar.js`, `/docs/init.js`) are static assets the Worker serves itself, so
 * that the page renders with no internet access and every file carries the usual headers.
 */
import { ErrorMessage } from "./errors";
import { defineRoute } from "./router";
import { pageSecurityHeaders, staticAsset } from "./static-asset";

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
const DOCS_SECURITY_HEADERS = pageSecurityHeaders(
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
);

const getOpenApiDocument = defineRoute(
  // Not in the document it serves (no `docs`), nor are the pages.
  { operationId: "getOpenApiDocument", method: "get", path: "/openapi.json", scope: null },
  async (c) => {
    // A static asset, not a part of the script every cold start parses. Its server is relative
    // (`/`): the document describes the server that serves it, whatever Host a caller sends.
    const document = await staticAsset(c, "/openapi.json", { "Content-Type": "application/json" });
    if (document === undefined) throw new Error("the OpenAPI document is missing from the assets");
    return document;
  },
);

const getReferencePage = defineRoute(
  { operationId: "getReferencePage", method: "get", path: "/docs", scope: null },
  (c) => c.html(DOCS_PAGE, 200, DOCS_SECURITY_HEADERS),
);

const getReferenceScript = defineRoute(
  { operationId: "getReferenceScript", method: "get", path: "/docs/{file}", scope: null },
  async (c) => {
    const script = await staticAsset(c, c.req.path, DOCS_SECURITY_HEADERS);
    return script ?? c.json({ error: ErrorMessage.notFound }, 404);
  },
);

export const docsRoutes = [getOpenApiDocument, getReferencePage, getReferenceScript];
