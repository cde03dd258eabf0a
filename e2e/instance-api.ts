/**
 * The API of one Worker a test started itself (not the suite's shared server): lookups and
 * writes with one token, and lookup answers reduced to one comparable string.
 */
import { isDeepStrictEqual } from "node:util";
import { type Answer, bearer, requestAt, viewPath } from "./support.ts";

/** Lookups and writes on the Worker at `base`, with `token`. */
export interface InstanceApi {
  readonly base: string;
  /** `GET /api/clients/view?chatId=…`; with `fresh`, `Cache-Control: no-cache` (D1, no cache tier). */
  lookUp(chatId: string, options?: { fresh?: boolean }): Promise<Answer>;
  /** A write with a JSON body (when given), such as `write("PUT", "/api/clients/abc", { session_id })`. */
  write(method: "PUT" | "DELETE", path: string, body?: unknown): Promise<Answer>;
  /** `GET /api/conversations/{chatId}`. */
  conversation(chatId: string): Promise<Answer>;
}

/** The API of the Worker at `base`, such as `http://127.0.0.1:41234`, used with `token`. */
export function instanceApi(base: string, token: string): InstanceApi {
  const auth = bearer(token);
  return {
    base,
    lookUp: (chatId, { fresh = false } = {}) =>
      requestAt(base, viewPath(chatId), {
        headers: { ...auth, ...(fresh && { "Cache-Control": "no-cache" }) },
      }),
    write: (method, path, body) =>
      requestAt(base, path, {
        method,
        headers: { ...auth, "Content-Type": "application/json" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
    conversation: (chatId) => requestAt(base, `/api/conversations/${chatId}`, { headers: auth }),
  };
}

/**
 * What a lookup answered, as one string: `client/session` for the contract's 200, the message of
 * a 404, anything else in full (status and body), so that a 500 never passes for an answer.
 */
export function lookupResult(answer: Answer): string {
  const body = answer.json as
    | { record?: { id?: unknown; session_id?: unknown }; error?: unknown }
    | undefined;
  const record = body?.record;
  if (
    answer.status === 200 &&
    typeof record?.id === "string" &&
    typeof record.session_id === "string" &&
    isDeepStrictEqual(body, { success: true, record: { id: record.id, session_id: record.session_id } })
  ) {
    return `${record.id}/${record.session_id}`;
  }
  if (answer.status === 404 && typeof body?.error === "string" && Object.keys(body).length === 1) {
    return body.error;
  }
  return `${answer.status} ${answer.text}`;
}

/** The cache tier that answered a lookup, from its `Server-Timing` header (`memory`, `kv` or `d1`). */
export function tierOf(answer: Answer): string | undefined {
  return /tier;desc="(\w+)"/.exec(answer.headers.get("server-timing") ?? "")?.[1];
}
