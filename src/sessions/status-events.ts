/**
 * The status events of WAHA (`session.status`) and Evolution API (`connection.update`), read
 * from their raw bodies and mapped to the service's statuses. Nothing else of a body is kept:
 * Evolution's `apikey`, WAHA's `me` (a phone number) are read past and dropped.
 */
import type { SessionStatus } from "../db/schema";
import { reportTime } from "../domain/session";
import { invalidBody } from "../errors";
import { evolutionConnectionEventSchema, wahaStatusEventSchema } from "./sessions.schemas";

/** A status event: its session, and the status it reports (`null`: one this service does not know). */
export interface StatusEvent {
  sessionId: string;
  status: SessionStatus | null;
  /** Epoch ms, never later than the time it arrived. */
  at: number;
}

// Fatal: a body that is not UTF-8 is not one of theirs.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The JSON object of an event's body, with its `event` name.
 *
 * @throws {ApiError} 400 "Invalid request body" for a body that is not a JSON object with an `event`.
 */
export function parseEvent(body: Uint8Array): { name: string; event: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(body));
  } catch {
    throw invalidBody([{ path: [], message: "Body is not valid JSON" }]);
  }
  const name = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "event") : undefined;
  if (typeof name !== "string") {
    throw invalidBody([{ path: ["event"], message: "An event needs its name in `event`" }]);
  }
  return { name, event: parsed as Record<string, unknown> };
}

// WAHA's statuses, one to one.
const WAHA_STATUSES: Readonly<Record<string, SessionStatus>> = {
  STARTING: "STARTING",
  SCAN_QR_CODE: "SCAN_QR_CODE",
  WORKING: "WORKING",
  FAILED: "FAILED",
  STOPPED: "STOPPED",
};

/** WAHA's status as one of ours: `PASSKEY_*` (a login step, as a QR code scan is) too; `null` for another. */
function wahaStatus(status: string): SessionStatus | null {
  if (Object.hasOwn(WAHA_STATUSES, status)) return WAHA_STATUSES[status] ?? null;
  return status.startsWith("PASSKEY_") ? "SCAN_QR_CODE" : null;
}

/**
 * The status event of a WAHA event: `null` for any event but `session.status`. Its time is the
 * event's `timestamp`, or `now` if that is later.
 *
 * @throws {ApiError} 400 "Invalid request body" for a `session.status` event that is malformed.
 */
export function wahaStatusEvent(name: string, event: unknown, now: number): StatusEvent | null {
  if (name !== "session.status") return null;
  const parsed = wahaStatusEventSchema().safeParse(event);
  if (!parsed.success) throw invalidBody(parsed.error.issues);
  const { session, timestamp, payload } = parsed.data;
  return { sessionId: session, status: wahaStatus(payload.status), at: reportTime(timestamp, now) };
}

// Close reasons after which Evolution does not reconnect: logged out, banned.
const FINAL_CLOSE_REASONS = new Set([401, 402, 403, 406]);

function evolutionStatus(state: string, statusReason: number | undefined): SessionStatus | null {
  switch (state) {
    case "open":
      return "WORKING";
    case "connecting":
      return "STARTING";
    case "close":
      return statusReason !== undefined && FINAL_CLOSE_REASONS.has(statusReason) ? "FAILED" : "STOPPED";
    case "refused":
      return "FAILED";
    default:
      return null;
  }
}

/**
 * The status event of an Evolution API event: `null` for any event but `connection.update`
 * (however its name is spelt: `CONNECTION_UPDATE` too). Its time is `now`, when it arrived:
 * Evolution's `date_time` is its server's local clock with a `Z`, often hours off.
 *
 * @throws {ApiError} 400 "Invalid request body" for a `connection.update` event that is malformed.
 */
export function evolutionStatusEvent(name: string, event: unknown, now: number): StatusEvent | null {
  if (name.toLowerCase().replaceAll(/[_-]/g, ".") !== "connection.update") return null;
  const parsed = evolutionConnectionEventSchema().safeParse(event);
  if (!parsed.success) throw invalidBody(parsed.error.issues);
  const { instance, data } = parsed.data;
  const reason = data.statusReason === undefined ? undefined : Number(data.statusReason);
  return { sessionId: instance, status: evolutionStatus(data.state, reason), at: now };
}
