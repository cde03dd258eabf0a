import { createMiddleware } from "hono/factory";
import { type AuthenticatedToken, findTokenByHash } from "../auth/token.repository";
import { jsonSize, MemoryCache } from "../cache/memory-cache";
import { SingleFlight } from "../cache/single-flight";
import { openReadSession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import type { TokenScope } from "../db/schema";
import { type AppEnv, readConfig } from "../env";
import { ApiError, ErrorMessage } from "../errors";
import { beforeDeadline } from "../lib/deadline";
import { sha256Hex } from "../lib/sha256";

const REALM = 'Bearer realm="clients-api"';
// RFC 6750 b64token, bounded so that no caller makes us hash megabytes.
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]{1,512}=*$/;

/**
 * Tokens seen recently, by hash (`null`: no such token). A revoked token must stop working
 * within 60 s, so an entry lives 30 s: a hot token costs no storage round trip.
 */
const TOKEN_CACHE_TTL_MS = 30_000;
const tokensByHash = new MemoryCache<AuthenticatedToken | null>({
  maxEntries: 10_000,
  maxBytes: 4 * 1024 * 1024,
  sizeOf: jsonSize,
});

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

/** Token checks running now, by hash: when a hot token's entry expires, one query refreshes it. */
const tokenLoads = new SingleFlight<AuthenticatedToken | null>();

async function findToken(env: Env, tokenHash: string, deadline: number): Promise<AuthenticatedToken | null> {
  const cached = tokensByHash.get(tokenHash);
  if (cached !== undefined) return cached;
  const load = tokenLoads.run(
    tokenHash,
    // Bounded by the deadline of the request that starts it, so the shared load always ends.
    () =>
      beforeDeadline(
        (async () => {
          const { db } = openReadSession(env.DB, null);
          const token = await withTransientRetries(() => findTokenByHash(db, tokenHash), deadline);
          tokensByHash.set(tokenHash, token, TOKEN_CACHE_TTL_MS);
          return token;
        })(),
        deadline,
      ),
    readConfig(env).lookupTimeoutMs,
  );
  return beforeDeadline(load, deadline);
}

/**
 * Requires a valid bearer token carrying `scope`, and exposes it as `c.var.token`.
 *
 * The token is hashed and then looked up by its hash, so no comparison depends on how much of
 * a token matched. A token in the query string is never read.
 *
 * @param scope - The scope the route needs (`clients:read` for lookups, `clients:write` for writes).
 * @throws {ApiError} 401 with `WWW-Authenticate` for a missing, malformed, unknown, expired or
 *   revoked token; 403 for a valid token without `scope`.
 * @example
 * app.get("/api/clients/view", requireScope("clients:read"), handler);
 */
export function requireScope(scope: TokenScope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = presentedToken(c.req.header("Authorization"));
    if (presented === null) throw unauthorized(false);
    if (!TOKEN_SYNTAX.test(presented)) throw unauthorized(true);

    const tokenHash = await sha256Hex(presented);
    const token = await findToken(c.env, tokenHash, c.var.deadline);
    const now = Date.now();
    if (token === null || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now)) {
      throw unauthorized(true);
    }
    if (!token.scopes.includes(scope)) throw new ApiError(403, ErrorMessage.permissionDenied);
    // Session limits narrow what a token may read; writes need a token without them.
    if (scope === "clients:write" && token.sessions !== null) {
      throw new ApiError(403, ErrorMessage.permissionDenied);
    }

    c.set("token", token);
    c.set("tokenHash", tokenHash);
    await next();
  });
}
