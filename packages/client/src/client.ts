/**
 * The client: one method per route of the service, each answering a typed result.
 */
import type { ErrorMessage } from "./errors.js";
import { readBatch, readConversation, readSession, readSuccess } from "./records.js";
import type {
  BatchLookup,
  ClientWriteResult,
  ConversationResult,
  ConversationWriteResult,
  Failure,
  SessionLookup,
  WriteResult,
} from "./results.js";
import { type ClientOptions, createTransport, type Freshness, settle } from "./transport.js";

/** The most lookups one batch may carry. */
export const MAX_BATCH_LOOKUPS = 100;

/** A lookup's other id and freshness. */
export interface LookupOptions extends Freshness {
  /**
   * The other id of the same person, when the message carried one (a LID for a phone-number
   * chat id, or the other way round); `null` or absent sends none.
   */
  alt?: string | null | undefined;
}

/** One lookup of a batch: a chat id, and the other id of the same person if there is one. */
export interface LookupItem {
  chatId: string;
  alt?: string | null | undefined;
}

/** What `putClient` stores: the session, and private fields the lookup never returns. */
export interface ClientFields {
  sessionId: string;
  name?: string | null | undefined;
  phone?: string | null | undefined;
}

/** A client of the service. Every method answers a result (see each type) and never throws. */
export interface LookupClient {
  /** Which client a chat belongs to and which WhatsApp session serves it (`clients:read`). */
  getClientSession(chatId: string, options?: LookupOptions): Promise<SessionLookup>;
  /** Up to {@link MAX_BATCH_LOOKUPS} lookups in one request, answered in order (`clients:read`). */
  getClientSessions(lookups: readonly LookupItem[], options?: Freshness): Promise<BatchLookup>;
  /** Creates or updates a client and the session that serves it (`clients:write`). */
  putClient(clientId: string, fields: ClientFields): Promise<ClientWriteResult>;
  /** Deletes a client; its conversations stay, without a client (`clients:write`). */
  deleteClient(clientId: string): Promise<WriteResult>;
  /** The conversation that has `chatId` among its ids (`clients:write`). */
  getConversation(chatId: string): Promise<ConversationResult>;
  /** Links a chat to a client, or unlinks it with `clientId: null`, creating it if needed (`clients:write`). */
  putConversation(chatId: string, fields: { clientId: string | null }): Promise<ConversationWriteResult>;
  /** Deletes the conversation that has `chatId` among its ids, with all its ids (`clients:write`). */
  deleteConversation(chatId: string): Promise<WriteResult>;
  /** Makes `alias` (a LID or phone-number id) an id of the conversation of `chatId`, merging if needed (`clients:write`). */
  addAlias(chatId: string, alias: string): Promise<ConversationWriteResult>;
  /** Removes `alias` from the conversation of `chatId` (`clients:write`). */
  removeAlias(chatId: string, alias: string): Promise<WriteResult>;
}

/**
 * An id as one path segment. Empty, `.` and `..` cannot be one (URLs drop or resolve them, and
 * the request would reach another route): those answer the service's 400 without a request.
 */
function segment(value: string, invalid: ErrorMessage, empty: ErrorMessage = invalid): string | Failure {
  if (value === "") return { ok: false, status: 400, error: empty };
  if (value === "." || value === "..") return { ok: false, status: 400, error: invalid };
  return encodeURIComponent(value);
}

const chatSegment = (chatId: string) => segment(chatId, "Invalid chat ID", "Chat ID is required");
const clientSegment = (clientId: string) => segment(clientId, "Invalid client ID");
const aliasSegment = (alias: string) => segment(alias, "Invalid alias");

/** A lookup as the service takes it: no `alt` key when there is none. */
function lookupQuery(chatId: string, alt: string | null | undefined): Record<string, string> {
  return alt === undefined || alt === null ? { chatId } : { chatId, alt };
}

/**
 * Creates a client of the chat → client → session lookup service. It needs a global `fetch`
 * and `AbortSignal.timeout` (Node 20+, browsers, Workers), or `options.fetch`.
 *
 * @param options - Base URL, token, and optionally a timeout and a `fetch`.
 * @throws {TypeError} when `baseUrl` is not an absolute URL or `timeoutMs` not a positive number.
 *
 * @example
 * const lookup = createClient({ baseUrl: "https://lookup.example.workers.dev", token: process.env.LOOKUP_TOKEN ?? "" });
 * const result = await lookup.getClientSession("987654321098765@lid", { alt: "123456789@s.whatsapp.net" });
 * if (result.ok) console.log("Session ID:", result.sessionId);
 * else console.log("No session for this chat:", result.status, result.error);
 */
export function createClient(options: ClientOptions): LookupClient {
  const call = createTransport(options);

  const conversationPath = (chatId: string) => {
    const chat = chatSegment(chatId);
    return typeof chat === "string" ? `/api/conversations/${chat}` : chat;
  };
  const aliasPath = (chatId: string, alias: string) => {
    const conversation = conversationPath(chatId);
    if (typeof conversation !== "string") return conversation;
    const aliasId = aliasSegment(alias);
    return typeof aliasId === "string" ? `${conversation}/aliases/${aliasId}` : aliasId;
  };
  const clientPath = (clientId: string) => {
    const client = clientSegment(clientId);
    return typeof client === "string" ? `/api/clients/${client}` : client;
  };

  // A write's result: the record `read` takes from its body, with the bookmark the write returned.
  async function write<T extends object>(
    path: string | Failure,
    method: "PUT" | "DELETE",
    read: (body: unknown) => T | undefined,
    body?: unknown,
  ): Promise<({ ok: true; bookmark: string | null } & T) | Failure> {
    if (typeof path !== "string") return path;
    const answer = await call({ method, path, ...(body !== undefined && { body }) });
    if ("ok" in answer) return answer;
    return settle(answer, (parsed) => {
      const record = read(parsed);
      return record === undefined ? undefined : { ...record, ok: true as const, bookmark: answer.bookmark };
    });
  }

  const deleted = (body: unknown) => (readSuccess(body) ? {} : undefined);

  return {
    async getClientSession(chatId, { alt, ...freshness } = {}) {
      const answer = await call({
        method: "GET",
        path: "/api/clients/view",
        query: lookupQuery(chatId, alt),
        freshness,
      });
      return settle(answer, readSession);
    },

    async getClientSessions(lookups, freshness = {}) {
      const body = { lookups: lookups.map(({ chatId, alt }) => ({ chatId, ...(alt != null && { alt }) })) };
      const answer = await call({ method: "POST", path: "/api/clients/view/batch", body, freshness });
      return settle(answer, (parsed) => {
        const results = readBatch(parsed);
        return results === undefined ? undefined : { ok: true as const, results };
      });
    },

    putClient(clientId, { sessionId, name, phone }) {
      return write(clientPath(clientId), "PUT", readSession, { session_id: sessionId, name, phone });
    },

    deleteClient(clientId) {
      return write(clientPath(clientId), "DELETE", deleted);
    },

    async getConversation(chatId) {
      const path = conversationPath(chatId);
      if (typeof path !== "string") return path;
      return settle(await call({ method: "GET", path }), (body) => {
        const conversation = readConversation(body);
        return conversation === undefined ? undefined : { ok: true as const, ...conversation };
      });
    },

    putConversation(chatId, { clientId }) {
      return write(conversationPath(chatId), "PUT", readConversation, { client_id: clientId });
    },

    deleteConversation(chatId) {
      return write(conversationPath(chatId), "DELETE", deleted);
    },

    addAlias(chatId, alias) {
      return write(aliasPath(chatId, alias), "PUT", readConversation);
    },

    removeAlias(chatId, alias) {
      return write(aliasPath(chatId, alias), "DELETE", deleted);
    },
  };
}
