/**
 * Files of `public/` that the Worker serves itself (through the `ASSETS` binding, listed in
 * `run_worker_first`), so that they carry the headers every response carries and whatever
 * security headers their page needs.
 */
import type { Context } from "hono";
import type { AppEnv } from "./request-context";

/**
 * The static asset at `path`, answered through the context (so that the middleware's headers,
 * the request id included, are set on it too), or `undefined` when there is none.
 *
 * @param path - Such as `/docs/init.js`; `/console/` is the folder's `index.html`.
 * @param headers - Set on the answer, after its `Content-Type`.
 */
export async function staticAsset(
  c: Context<AppEnv>,
  path: string,
  headers: Record<string, string>,
): Promise<Response | undefined> {
  const asset = await c.env.ASSETS.fetch(new URL(path, c.req.url));
  if (asset.status !== 200) return undefined;
  const type = asset.headers.get("Content-Type") ?? "application/octet-stream";
  return c.body(asset.body ?? "", 200, { "Content-Type": type, ...headers });
}

/**
 * The security headers of a page of ours: its Content-Security-Policy (`default-src 'none'`, then
 * `directives`), and what every page has: no framing, no `<base>`, no form that navigates, no
 * referrer sent.
 */
export function pageSecurityHeaders(...directives: string[]): Record<string, string> {
  return {
    "Content-Security-Policy": [
      "default-src 'none'",
      ...directives,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join("; "),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
  };
}
