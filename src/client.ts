/**
 * A typed client for bot backends, on Hono's `hc` and this app's own route types: what the
 * server answers and what the client expects cannot drift apart.
 *
 * @example
 * import { createClient } from "chat-session-lookup/client";
 *
 * const lookup = createClient({ baseUrl: "https://lookup.example.workers.dev", token: process.env.LOOKUP_TOKEN });
 * const result = await lookup.getClientSession("987654321098765@lid", { alt: "123456789@s.whatsapp.net" });
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

/** Why a call has no answer: the HTTP status and the contract's message. */
export interface Failure {
  ok: false;
  /** The HTTP status; 0 when no answer arrived (network failure or timeout). */
  status: number;
  /** The contract's error message, or `Network error` when no answer arrived. */
  error: ErrorMessage | "Network error";
}

/** The session that serves a chat, or why there is none. */
export type SessionLookup = { ok: true; clientId: string; sessionId: string } | Failure;

/** A conversation with its client and every other id, or why there is none. */
export type ConversationResult =
  | { ok: true; chatId: string; clientId: string | null; aliases: string[] }
  | Failure;

/**
 * Creates a client for the lookup API. No method throws: each answers its result or a typed
 * failure, within `timeoutMs`.
 *
 * @param options - Base URL, token, and optionally a timeout and a `fetch`.
 */
export function createClient(options: ClientOptions) {
  const api = hc<AppType>(options.baseUrl, {
    headers: { Authorization: `Bearer ${options.token}` },
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  });
  const init = () => ({ init: { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) } });

  // What the calls below need of a response, whatever route typed it.
  type Answer = { status: number; json(): Promise<unknown> };

  async function call<T>(send: () => Promise<Answer>, read: (body: never) => T): Promise<T | Failure> {
    let response: Answer;
    try {
      response = await send();
    } catch {
      return { ok: false, status: 0, error: "Network error" };
    }
    const body = await response.json().catch(() => ({ error: "Internal Server Error" }));
    if (response.status === 200) return read(body as never);
    return { ok: false, status: response.status, error: (body as { error: ErrorMessage }).error };
  }

  type Conversation = { record: { chat_id: string; client_id: string | null; aliases: string[] } };
  const conversation = ({ record }: Conversation): ConversationResult => ({
    ok: true,
    chatId: record.chat_id,
    clientId: record.client_id,
    aliases: record.aliases,
  });

  return {
    /**
     * Which client a chat belongs to and which WhatsApp session serves it. `alt`: the other id
     * of the same person when the message carried one (a LID, or a phone-number id).
     */
    getClientSession(chatId: string, lookup: { alt?: string } = {}): Promise<SessionLookup> {
      const query = lookup.alt === undefined ? { chatId } : { chatId, alt: lookup.alt };
      return call(
        () => api.api.clients.view.$get({ query }, init()),
        ({ record }: { record: { id: string; session_id: string } }) => ({
          ok: true as const,
          clientId: record.id,
          sessionId: record.session_id,
        }),
      );
    },

    /** The conversation that has `chatId` among its ids (needs `clients:write`). */
    getConversation(chatId: string): Promise<ConversationResult> {
      return call(() => api.api.conversations[":chatId"].$get({ param: { chatId } }, init()), conversation);
    },

    /** Makes `alias` (a LID or phone-number id) an id of the conversation of `chatId`, merging if needed. */
    addAlias(chatId: string, alias: string): Promise<ConversationResult> {
      return call(
        () => api.api.conversations[":chatId"].aliases[":alias"].$put({ param: { chatId, alias } }, init()),
        conversation,
      );
    },

    /** Removes `alias` from the conversation of `chatId`. */
    removeAlias(chatId: string, alias: string): Promise<{ ok: true } | Failure> {
      return call(
        () =>
          api.api.conversations[":chatId"].aliases[":alias"].$delete({ param: { chatId, alias } }, init()),
        () => ({ ok: true as const }),
      );
    },
  };
}
