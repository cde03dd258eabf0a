/**
 * The bridge between Hono and the services: what a Hono context carries, and the plain context
 * services take instead, so they can be called (and tested) without a Hono request.
 */
import type { Context } from "hono";
import type { AuthenticatedToken } from "./auth/token.repository";
import type { TokenCache } from "./auth/token-cache";
import type { LookupCache } from "./cache/lookups/lookup-cache";
import type { SessionCache } from "./cache/sessions/session-cache";
import type { EventOutbox } from "./delivery/outbox";
import type { DeliveryPolicy } from "./delivery/policy";
import type { Config } from "./env";
import type { Clock } from "./lib/clock";
import type { RequestScope } from "./lib/request-scope";

/** What lives once per Worker instance (made by src/services.ts). */
export interface Services {
  config: Config;
  clock: Clock;
  /** The database, for reads that no cache serves (management reads). */
  db: D1Database;
  lookups: LookupCache;
  /** The statuses of WhatsApp sessions (`include=session`, status writes). */
  sessions: SessionCache;
  tokens: TokenCache;
  /** Where a write's events wait for the delivery queue. */
  outbox: EventOutbox;
  delivery: DeliveryPolicy;
  /** The receivers' `fetch` for deliveries, when not the global one (tests). */
  fetch?: typeof fetch;
}

/** Hono's environment for this app: the Worker's bindings and the per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** This Worker instance's services (see src/services.ts). */
    services: Services;
    /** When storage work for this request must have finished (epoch ms). */
    deadline: number;
    /** The token that authenticated the request (set by the auth middleware). */
    token: AuthenticatedToken;
    /** The SHA-256 of that token: the key of its rate limit. */
    tokenHash: string;
    /** The cache tier that answered a lookup, for the request log. */
    cacheTier: string;
  };
}

/** What the services need from the request they serve, independent of Hono. */
export interface RequestContext extends RequestScope, Services {
  /** The name of the token that authenticated the request: who a write's events name. */
  actor: string;
  /** The sessions that token is limited to; `null`: every session. */
  tokenSessions: readonly string[] | null;
}

/** The service-facing context of a Hono request. */
export function requestContext(c: Context<AppEnv>): RequestContext {
  // Public routes have no token; they write nothing.
  const token = c.var.token as AuthenticatedToken | undefined;
  return {
    ...c.var.services,
    actor: token?.name ?? "anonymous",
    tokenSessions: token?.sessions ?? null,
    requestId: c.var.requestId,
    deadline: c.var.deadline,
    waitUntil: (work) => c.executionCtx.waitUntil(work),
  };
}

/**
 * A write's `200`: `body`, and the bookmark that reads the write back from any replica
 * (`x-d1-bookmark`) when D1 gave one.
 */
export function writeAnswer(c: Context<AppEnv>, bookmark: string | null, body: object): Response {
  if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
  return c.json(body, 200);
}
