/**
 * A typed client for bot backends, on Hono's `hc` and this app's own route types: what the
 * server answers and what the client expects cannot drift apart.
 *
 * @example
 * import { createClient } from "chat-session-lookup/client";
 *
 * const lookup = createClient({ baseUrl: "https://lookup.example.workers.dev", token: process.env.LOOKUP_TOKEN });
 * const result = await lookup.getClientSession("123456789@c.us");
 * if (result.ok) console.log("Session ID:", result.sessionId);
 * else console.log("No session for this chat:", result.error);
 */
import { hc } from "hono/client";
import type { ErrorMessage } from "./errors";
import type { AppType } from "./index";

export interface ClientOptions {
  /** Where the service runs, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** An API token with `clients:read`. */
  token: string;
  /** Give up after this many milliseconds (default 10,000). */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
}

/** The session that serves a chat, or why there is none. */
export type SessionLookup =
  | { ok: true; clientId: string; sessionId: string }
  | {
      ok: false;
      /** The HTTP status; 0 when no answer arrived (network failure or timeout). */
      status: number;
      /** The contract's error message, or `Network error` when no answer arrived. */
      error: ErrorMessage | "Network error";
    };

/**
 * Creates a client for the lookup API.
 *
 * @param options - Base URL, token, and optionally a timeout and a `fetch`.
 * @returns `getClientSession(chatId)`, which never throws: it answers the session or a typed error.
 */
export function createClient(options: ClientOptions) {
  const api = hc<AppType>(options.baseUrl, {
    headers: { Authorization: `Bearer ${options.token}` },
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  });

  return {
    /** Which client a chat belongs to and which WhatsApp session serves it. */
    async getClientSession(chatId: string): Promise<SessionLookup> {
      let response: Awaited<ReturnType<typeof api.api.clients.view.$get>>;
      try {
        response = await api.api.clients.view.$get(
          { query: { chatId } },
          { init: { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) } },
        );
      } catch {
        return { ok: false, status: 0, error: "Network error" };
      }
      if (response.status === 200) {
        const { record } = await response.json();
        return { ok: true, clientId: record.id, sessionId: record.session_id };
      }
      const body = (await response.json().catch(() => ({ error: "Internal Server Error" }))) as {
        error: ErrorMessage;
      };
      return { ok: false, status: response.status, error: body.error };
    },
  };
}
