import { createMiddleware } from "hono/factory";
import type { TokenScope } from "../db/schema";
import { ApiError, ErrorMessage } from "../errors";
import { sha256Hex } from "../lib/sha256";
import type { AppEnv } from "../request-context";

const REALM = 'Bearer realm="clients-api"';
// RFC 6750 b64token, bounded so that no caller makes us hash megabytes.
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]{1,512}=*$/;

// Scopes a token carrying the key's scope also has.
const INCLUDED: Partial<Record<TokenScope, TokenScope[]>> = { "clients:write": ["aliases:write"] };

// Scopes whose writes may reach any session's clients.
const MANAGING_SCOPES = new Set<TokenScope>(["clients:write", "aliases:write"]);

/** Whether a token with `scopes` may do what `scope` allows. */
function grants(scopes: readonly TokenScope[], scope: TokenScope): boolean {
  return scopes.some((held) => held === scope || (INCLUDED[held]?.includes(scope) ?? false));
}

function permissionDenied(scope: TokenScope): ApiError {
  return new ApiError(403, ErrorMessage.permissionDenied, { details: { required_scope: scope } });
}

function unauthorized(tokenPresented: boolean): ApiError {
  const challenge = tokenPresented ? `${REALM}, error="invalid_token"` : REALM;
  return new ApiError(401, ErrorMessage.unauthorized, {
    headers: { "WWW-Authenticate": challenge },
  });
}

/** The bearer token of an `Authorization` header; `null` when none was presented. */
function presentedToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const [scheme = "", ...rest] = header.trim().split(" ");
  if (scheme.toLowerCase() !== "bearer") return null;
  const token = rest.join(" ").trim();
  return token === "" ? null : token;
}

/**
 * Requires a valid bearer token carrying `scope`, and exposes it as `c.var.token`.
 *
 * The token is hashed and then looked up by its hash, so no comparison depends on how much of
 * a token matched. A token in the query string is never read.
 *
 * @param scope - The scope the route needs (`clients:read` for lookups, `clients:write` for writes).
 * @param options.sessionLimitedTokens - Whether a session-limited token may use a managing scope
 *   here (a read that shows it only its sessions' data); by default it is refused.
 * @throws {ApiError} 401 with `WWW-Authenticate` for a missing, malformed, unknown, expired or
 *   revoked token; 403 with `required_scope` for a valid token without `scope`, or with session
 *   limits where the scope writes clients or conversations.
 * @example
 * app.get("/api/clients/view", requireScope("clients:read"), handler);
 */
export function requireScope(scope: TokenScope, options: { sessionLimitedTokens?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = presentedToken(c.req.header("Authorization"));
    if (presented === null) throw unauthorized(false);
    if (!TOKEN_SYNTAX.test(presented)) throw unauthorized(true);

    const tokenHash = await sha256Hex(presented);
    const { tokens, clock } = c.var.services;
    const token = await tokens.find({ requestId: c.var.requestId, deadline: c.var.deadline }, tokenHash);
    const now = clock.now();
    if (token === null || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now)) {
      throw unauthorized(true);
    }
    if (!grants(token.scopes, scope)) throw permissionDenied(scope);
    // Session limits narrow what a token may read; a write of clients or conversations may
    // touch any session, so it needs a token without them.
    if (MANAGING_SCOPES.has(scope) && token.sessions !== null && options.sessionLimitedTokens !== true) {
      throw permissionDenied(scope);
    }

    c.set("token", token);
    c.set("tokenHash", tokenHash);
    await next();
  });
}
