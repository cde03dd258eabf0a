/**
 * A WhatsApp session as every feature names it: its id in paths and events, and what the service
 * knows of whether it can send (its status, and since when).
 */
import * as z from "zod";
import type { SessionStatus } from "../db/schema";
import { ErrorMessage } from "../errors";
import { lazy } from "../lib/lazy";
import { CONTROL_CHARACTERS } from "./chat-id";

/** A session's status as the API shows it: a reported one, or `UNKNOWN` for a session never reported. */
export type SessionStatusName = SessionStatus | "UNKNOWN";

/** What is known of a session: its status and when it entered it (epoch ms; `null` when never reported). */
export interface SessionState {
  status: SessionStatusName;
  since: number | null;
}

/** The state of a session that never reported. */
export const UNKNOWN_SESSION: SessionState = Object.freeze({ status: "UNKNOWN", since: null });

/** A session's state as the API answers it: `since` in ISO 8601. */
export interface SessionView {
  status: SessionStatusName;
  since: string | null;
}

/** The API's view of a state. */
export function viewOf(state: SessionState): SessionView {
  return { status: state.status, since: state.since === null ? null : new Date(state.since).toISOString() };
}

/** The longest session id accepted: as a client's `session_id`. */
export const SESSION_ID_MAX_LENGTH = 128;

// A lone UTF-16 surrogate has no UTF-8 form: D1 would store U+FFFD in its place.
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `value` can be a session id: what a client's `session_id` may be, trimmed. */
export function isSessionId(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= SESSION_ID_MAX_LENGTH &&
    value === value.trim() &&
    !CONTROL_CHARACTERS.test(value) &&
    !LONE_SURROGATE.test(value)
  );
}

/** A session id: 1 to 128 characters, no surrounding white space, no control characters. */
export const sessionIdSchema = /* @__PURE__ */ lazy(() =>
  z
    .string({ error: ErrorMessage.sessionIdInvalid })
    .refine(isSessionId, { error: ErrorMessage.sessionIdInvalid }),
);

/**
 * When a report of a status happened, for ordering: `at`, but never later than `now` (a clock
 * ahead of ours must not make a report win over the ones that follow it).
 */
export function reportTime(at: number, now: number): number {
  return Math.min(at, now);
}
