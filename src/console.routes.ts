/**
 * The console at `/console`: a page for the people who run the service (public/console/), served
 * as static assets by the Worker itself, behind Cloudflare Access when it is configured. The page
 * holds no secret and no data: it signs in with an API token and does everything through the
 * public API, so the token's scopes and session limits hold.
 */
import { ErrorMessage } from "./errors";
import { behindCloudflareAccess } from "./middleware/cloudflare-access";
import { defineRoute } from "./router";
import { pageSecurityHeaders, staticAsset } from "./static-asset";

// This origin's scripts, styles and API only; no inline script or style, no frames, no forms
// that navigate (the page's forms are handled by its script).
const CONSOLE_SECURITY_HEADERS = pageSecurityHeaders(
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
);

// The page's own files: flat, lower-case names of scripts and style sheets.
const CONSOLE_FILE = /^[a-z0-9-]+\.(?:js|css)$/;

const getConsolePage = defineRoute(
  // Not in the OpenAPI document (no `docs`): a page, not an operation of the API.
  { operationId: "getConsolePage", method: "get", path: "/console", scope: null },
  (c) =>
    behindCloudflareAccess(c, async () => {
      // The folder's index.html (the assets answer `/console/index.html` with a redirect here).
      const page = await staticAsset(c, "/console/", CONSOLE_SECURITY_HEADERS);
      if (page === undefined) throw new Error("the console page is missing from the assets");
      return page;
    }),
);

const getConsoleFile = defineRoute(
  { operationId: "getConsoleFile", method: "get", path: "/console/{file}", scope: null },
  (c) =>
    behindCloudflareAccess(c, async () => {
      const file = c.req.param("file");
      const asset = CONSOLE_FILE.test(file)
        ? await staticAsset(c, `/console/${file}`, CONSOLE_SECURITY_HEADERS)
        : undefined;
      return asset ?? c.json({ error: ErrorMessage.notFound }, 404);
    }),
);

export const consoleRoutes = [getConsolePage, getConsoleFile];
