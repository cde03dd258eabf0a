import { openReadSession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import { type SessionView, viewOf } from "../domain/session";
import { ApiError, ErrorMessage } from "../errors";
import { beforeDeadline } from "../lib/deadline";
import type { RequestContext } from "../request-context";
import { listSessions, recordSessionStatus, type StatusReport } from "./sessions.repository";

/** A session's status as the API answers it. */
export interface SessionRecord extends SessionView {
  id: string;
}

/** A session as `GET /api/sessions` answers it. */
export interface ListedSessionRecord extends SessionRecord {
  clients: number;
}

/**
 * Refuses a session-limited token (`visibleSessions`) a session outside its list: it sets and
 * reads only its sessions' statuses.
 *
 * @throws {ApiError} 403 "Permission denied" with `required_scope`.
 */
export function requireSessionAccess(visibleSessions: readonly string[] | null, sessionId: string): void {
  if (visibleSessions !== null && !visibleSessions.includes(sessionId)) {
    throw new ApiError(403, ErrorMessage.permissionDenied, { details: { required_scope: "sessions:write" } });
  }
}

/**
 * Records a status report and answers the session's status after it: the newest report by its
 * time wins (an older one changes nothing, and the stored status is answered). Every lookup with
 * `include=session` answers it at once here, within the memory TTL on other instances, and within
 * KV's window in other locations.
 *
 * @throws {ApiError} 403 for a session outside the token's sessions; 408 past the deadline.
 */
export async function reportSessionStatus(
  context: RequestContext,
  visibleSessions: readonly string[] | null,
  report: StatusReport,
): Promise<{ record: SessionRecord; bookmark: string | null }> {
  requireSessionAccess(visibleSessions, report.sessionId);
  const { result, bookmark } = await context.sessions.commit(context, report.sessionId, (db) =>
    recordSessionStatus(db, report),
  );
  return { record: { id: result.id, ...viewOf(result) }, bookmark };
}

/** Every known session with its status and number of clients; a session-limited token's only. */
export async function listSessionRecords(
  context: RequestContext,
  visibleSessions: readonly string[] | null,
): Promise<ListedSessionRecord[]> {
  const { db } = openReadSession(context.db, null);
  const listed = await beforeDeadline(
    withTransientRetries(() => listSessions(db, visibleSessions), context),
    context.deadline,
    context.clock,
  );
  return listed.map(({ id, clients, ...state }) => ({ id, ...viewOf(state), clients }));
}
