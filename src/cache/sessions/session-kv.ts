/**
 * What the sessions' cache keeps in KV (src/cache/kv-tier.ts): every session's state, `UNKNOWN`
 * included, under a key that carries no session id (a session may be named after its phone
 * number).
 */

import { SESSION_STATUSES } from "../../db/schema";
import type { SessionState } from "../../domain/session";
import { type KvShape, kvKey } from "../kv-tier";

const STATUSES = new Set<string>([...SESSION_STATUSES, "UNKNOWN"]);

function isSessionState(value: unknown): value is SessionState {
  if (typeof value !== "object" || value === null) return false;
  const { status, since } = value as Record<string, unknown>;
  if (typeof status !== "string" || !STATUSES.has(status)) return false;
  return status === "UNKNOWN" ? since === null : typeof since === "number" && Number.isFinite(since);
}

export const SESSION_KV: KvShape<SessionState> = {
  keyPrefix: "session:v1:",
  logPrefix: "session_cache",
  parse: (value) => (isSessionState(value) ? { status: value.status, since: value.since } : undefined),
};

/** The KV key of a session id. */
export function sessionCacheKey(sessionId: string): Promise<string> {
  return kvKey(SESSION_KV, sessionId);
}
