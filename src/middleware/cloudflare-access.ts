import { cloudflareAccess } from "@hono/cloudflare-access";
import type { Context, MiddlewareHandler } from "hono";
import { ErrorMessage } from "../errors";
import type { AppEnv } from "../request-context";

// What the Cloudflare dashboard calls the team domain; `https://` and a trailing `/` are tolerated.
const TEAM_DOMAIN = /^(?:https:\/\/)?([a-z0-9-]+)\.cloudflareaccess\.com\/?$/i;

// One per Worker instance (`env`): the middleware keeps the team's public keys it fetched.
const gates = new WeakMap<Env, MiddlewareHandler>();

/**
 * The `@hono/cloudflare-access` middleware for this configuration; `null` when Access is not
 * configured (`ACCESS_TEAM_DOMAIN` and `ACCESS_AUD` both empty).
 *
 * @throws {Error} when only one of them is set, or the team domain is not
 *   `<team>.cloudflareaccess.com`: the gated pages answer 500 rather than open.
 */
function gateOf(c: Context<AppEnv>): MiddlewareHandler | null {
  const { teamDomain, audiences } = c.var.services.config.access;
  if (teamDomain === "" && audiences.length === 0) return null;
  let gate = gates.get(c.env);
  if (gate === undefined) {
    const team = TEAM_DOMAIN.exec(teamDomain)?.[1];
    if (team === undefined || audiences.length === 0) {
      throw new Error(
        "invalid configuration: ACCESS_TEAM_DOMAIN (<team>.cloudflareaccess.com) and ACCESS_AUD are set together",
      );
    }
    gate = cloudflareAccess(team, audiences);
    gates.set(c.env, gate);
  }
  return gate;
}

/**
 * Serves `serve()` only behind Cloudflare Access, when it is configured: the request must carry
 * a `Cf-Access-Jwt-Assertion` (or Access's `CF_Authorization` cookie) signed by the team's keys,
 * for one of the configured audiences, and not expired. Otherwise it answers
 * `403 {"error":"Permission denied"}` (the middleware's own plain-text answers say why; they are
 * not shown). A team whose keys cannot be fetched answers 500.
 *
 * @example
 * (c) => behindCloudflareAccess(c, () => c.text("for the team only"))
 */
export async function behindCloudflareAccess(
  c: Context<AppEnv>,
  serve: () => Response | Promise<Response>,
): Promise<Response> {
  const gate = gateOf(c);
  if (gate === null) return serve();
  let served: Response | undefined;
  await gate(c, async () => {
    served = await serve();
  });
  return served ?? c.json({ error: ErrorMessage.permissionDenied }, 403);
}
