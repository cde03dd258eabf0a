/**
 * Helpers of the session tests: the gateways' events as fixtures (test/sessions/fixtures, shaped
 * as WAHA and Evolution API post them), changed where a test needs it, and the requests that
 * report and read statuses.
 */
import { env } from "cloudflare:workers";
import { request, uniqueId } from "../helpers";
import evolutionClose from "./fixtures/evolution-connection-close-logged-out.json";
import evolutionConnecting from "./fixtures/evolution-connection-connecting.json";
import evolutionOpen from "./fixtures/evolution-connection-open.json";
import evolutionRefused from "./fixtures/evolution-connection-refused.json";
import evolutionMessage from "./fixtures/evolution-messages-upsert.json";
import evolutionQrCode from "./fixtures/evolution-qrcode-updated.json";
import wahaMessage from "./fixtures/waha-message.json";
import wahaStatus from "./fixtures/waha-session-status.json";

export const fixtures = {
  wahaStatus,
  wahaMessage,
  evolutionOpen,
  evolutionConnecting,
  evolutionClose,
  evolutionRefused,
  evolutionQrCode,
  evolutionMessage,
};

/** A fresh session id. */
export const uniqueSession = () => uniqueId("session");

/** WAHA's `session.status` event of `session`, with `status` at `timestamp` (epoch ms). */
export function wahaEvent(session: string, status: string, timestamp: number) {
  const event = structuredClone(wahaStatus);
  return { ...event, session, timestamp, payload: { ...event.payload, name: session, status } };
}

/** Evolution's `connection.update` event of `instance`, with `state` and, if given, `statusReason`. */
export function evolutionEvent(instance: string, state: string, statusReason?: number) {
  const event = structuredClone(evolutionOpen);
  const data: Record<string, unknown> = { ...event.data, instance, state };
  if (statusReason === undefined) delete data.statusReason;
  else data.statusReason = statusReason;
  return { ...event, instance, data };
}

/** POSTs `body` (JSON, or a string sent as is) to a webhook path with a bearer token. */
export function postWebhook(
  path: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return request(path, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
}

/** `PUT /api/sessions/{sessionId}/status`. */
export function putStatus(sessionId: string, token: string, body: unknown) {
  return request(`/api/sessions/${encodeURIComponent(sessionId)}/status`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/**
 * The `fetch` arguments of `PUT /api/sessions/{sessionId}/status` by `token`: `status` at `at`
 * (epoch ms). For a test's own Worker (`api.fetch(...statusRequest(…))`).
 */
export function statusRequest(token: string, sessionId: string, status: string, at: number) {
  return [
    `/api/sessions/${encodeURIComponent(sessionId)}/status`,
    {
      method: "PUT",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ status, at: iso(at) }),
    },
  ] as const;
}

/** The `fetch` arguments of a lookup of `chatId` with `include=session` by `token`. */
export function sessionLookupRequest(token: string, chatId: string) {
  return [
    `/api/clients/view?chatId=${encodeURIComponent(chatId)}&include=session`,
    { headers: { Authorization: `Bearer ${token}` } },
  ] as const;
}

/** The session status a lookup with `include=session` answered. */
export async function statusOf(response: Response): Promise<string | undefined> {
  const body = (await response.json()) as { record?: { session?: { status: string } } };
  return body.record?.session?.status;
}

/** The row stored for `sessionId`, or `null`. */
export function storedSession(sessionId: string) {
  return env.DB.prepare("SELECT id, status, since, reported_at FROM sessions WHERE id = ?")
    .bind(sessionId)
    .first();
}

/** WAHA's `X-Webhook-Hmac`: the hex HMAC-SHA512 of `body` with `key`. */
export async function wahaHmac(key: string, body: string): Promise<string> {
  const imported = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-512" },
    false,
    ["sign"],
  );
  const signature = new Uint8Array(
    await crypto.subtle.sign("HMAC", imported, new TextEncoder().encode(body)),
  );
  return [...signature].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** An ISO 8601 time of epoch ms. */
export const iso = (ms: number) => new Date(ms).toISOString();
