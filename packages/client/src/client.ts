/**
 * The client: one method per operation of the service, named by its `operationId`, each
 * answering a typed result.
 */
import type { BodyOf, EvolutionEvent, ReportedStatus, WahaEvent } from "./operations.js";
import {
  readBatch,
  readConversation,
  readEvents,
  readHealth,
  readSession,
  readSessionList,
  readSessionStatus,
  readSuccess,
  readWebhookAnswer,
  readWebhooks,
  readWebhookWritten,
} from "./records.js";
import type {
  BatchLookup,
  ClientWriteResult,
  ConversationResult,
  ConversationWriteResult,
  DoneResult,
  EventsResult,
  Failure,
  HealthResult,
  SessionList,
  SessionLookup,
  SessionStatusWriteResult,
  WebhookResult,
  WebhookSubscriptionsResult,
  WebhookSubscriptionWriteResult,
  WriteResult,
} from "./results.js";
import { type Answer, type ClientOptions, createTransport, type Freshness, settle } from "./transport.js";

/** The most lookups one batch may carry. */
export const MAX_BATCH_LOOKUPS = 100;

/** What a lookup answers besides the client and session, and how fresh. */
export interface LookupReadOptions extends Freshness {
  /**
   * Also answer the session's status (`session: { status, since }`; `status: "WORKING"`: it can
   * send), from the service's caches as the lookup itself (`include=session`).
   */
  includeSession?: boolean | undefined;
}

/** A lookup's other id, what it answers and how fresh. */
export interface LookupOptions extends LookupReadOptions {
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

/** A session's status report: the status, and when the session entered it (default: now). */
export interface StatusReport {
  status: ReportedStatus;
  /** ISO 8601 with its offset (`2026-12-05T10:00:00Z`); a time in the future counts as now. */
  at?: string | undefined;
}

/** What `putClient` stores: the session, and private fields the lookup never returns. */
export interface ClientFields {
  sessionId: string;
  /** Absent: keep the stored value; `null`: clear it. */
  name?: string | null | undefined;
  /** Absent: keep the stored value; `null`: clear it. */
  phone?: string | null | undefined;
}

/** Whose history `listEvents` reads: one of a chat (any of its ids), a client, a session; none: everything. */
export interface EventFilter {
  chatId?: string | undefined;
  clientId?: string | undefined;
  sessionId?: string | undefined;
}

/** A page of `listEvents`: its size (1 to 200, default 50), and where the previous one ended. */
export interface EventPageOptions {
  limit?: number | undefined;
  /** The `next` of the previous page; `null` or absent: the newest events. */
  before?: string | null | undefined;
}

/** A webhook subscription's receiver and events. */
export interface WebhookFields {
  /** `https://…` (`http://127.0.0.1:PORT` only against a local service). */
  url: string;
  /** Event types, `prefix.*` (`conversation.*`) or `*`. */
  events: string[];
}

/**
 * A client of the service: one method per operation of its OpenAPI document. Every method
 * answers a result (see each type) and never throws.
 */
export interface LookupClient {
  /** Whether the service is up (no scope needed). */
  getHealth(): Promise<HealthResult>;
  /** Which client a chat belongs to and which WhatsApp session serves it (`clients:read`). */
  getClientSession(chatId: string, options?: LookupOptions): Promise<SessionLookup>;
  /** Up to {@link MAX_BATCH_LOOKUPS} lookups in one request, answered in order (`clients:read`). */
  getClientSessions(lookups: readonly LookupItem[], options?: LookupReadOptions): Promise<BatchLookup>;
  /** Creates or updates a client and the session that serves it (`clients:write`). */
  putClient(clientId: string, fields: ClientFields): Promise<ClientWriteResult>;
  /** Deletes a client; its conversations stay, without a client (`clients:write`). */
  deleteClient(clientId: string): Promise<WriteResult>;
  /** The conversation that has `chatId` among its ids (`clients:write`). */
  getConversation(chatId: string): Promise<ConversationResult>;
  /** Links a chat to a client, or unlinks it with `clientId: null`, creating it if needed (`clients:write`). */
  putConversation(chatId: string, fields: { clientId: string | null }): Promise<ConversationWriteResult>;
  /** Deletes the conversation whose own chat id is `chatId`, with all its ids; an alias answers 409 (`clients:write`). */
  deleteConversation(chatId: string): Promise<WriteResult>;
  /** Makes `alias` (a LID, phone-number id or BSUID) an id of the conversation of `chatId`, merging if needed (`aliases:write`). */
  addAlias(chatId: string, alias: string): Promise<ConversationWriteResult>;
  /** Removes `alias`, any id but the last, its own chat id included, from the conversation of `chatId` (`clients:write`). */
  removeAlias(chatId: string, alias: string): Promise<WriteResult>;
  /** The history of changes, newest first, a page at a time (`clients:write`; a session-limited token sees its sessions'). */
  listEvents(filter?: EventFilter, page?: EventPageOptions): Promise<EventsResult>;
  /** Every webhook subscription, without secrets (`clients:write`, no session limits). */
  listWebhooks(): Promise<WebhookSubscriptionsResult>;
  /** Creates a subscription (its `secret` answered this once) or changes one (`clients:write`, no session limits). */
  putWebhook(name: string, fields: WebhookFields): Promise<WebhookSubscriptionWriteResult>;
  /** Deletes a subscription (`clients:write`, no session limits). */
  deleteWebhook(name: string): Promise<DoneResult>;
  /** Reports a session's status; the newest report by its time wins (`sessions:write`). */
  putSessionStatus(sessionId: string, report: StatusReport): Promise<SessionStatusWriteResult>;
  /** Every session with its status and number of clients (`clients:read`). */
  listSessions(): Promise<SessionList>;
  /** Hands the service an event as WAHA posts it (`sessions:write`): what WAHA's webhook does. */
  postWahaWebhook(event: WahaEvent): Promise<WebhookResult>;
  /** Hands the service an event as Evolution API posts it (`sessions:write`). */
  postEvolutionWebhook(event: EvolutionEvent): Promise<WebhookResult>;
  /** As {@link postEvolutionWebhook}, to the path Evolution's "webhook by events" mode posts to. */
  postEvolutionWebhookByEvent(eventPath: string, event: EvolutionEvent): Promise<WebhookResult>;
}

/** A write's result: the record `read` takes from its body, with the bookmark the write returned. */
function written<T extends object>(
  answer: Answer | Failure,
  read: (body: unknown) => T | undefined,
): ({ ok: true; bookmark: string | null } & T) | Failure {
  if ("ok" in answer) return answer;
  return settle(answer, (body) => {
    const record = read(body);
    return record === undefined ? undefined : { ...record, ok: true as const, bookmark: answer.bookmark };
  });
}

const deleted = (body: unknown) => (readSuccess(body) ? {} : undefined);

const webhookAnswer = (body: unknown) => {
  const answer = readWebhookAnswer(body);
  return answer === undefined ? undefined : { ok: true as const, ...answer };
};

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
  const send = createTransport(options);

  return {
    async getHealth() {
      return settle(await send("getHealth", {}), (body) =>
        readHealth(body) ? { ok: true as const } : undefined,
      );
    },

    async getClientSession(chatId, { alt, includeSession, ...freshness } = {}) {
      const query = {
        chatId,
        ...(alt !== undefined && alt !== null && { alt }),
        ...(includeSession === true && { include: "session" }),
      };
      return settle(await send("getClientSession", { query, freshness }), readSession);
    },

    async getClientSessions(lookups, { includeSession, ...freshness } = {}) {
      const body: BodyOf<"getClientSessions"> = {
        lookups: lookups.map(({ chatId, alt }) => ({ chatId, ...(alt != null && { alt }) })),
        ...(includeSession === true && { include: ["session" as const] }),
      };
      return settle(await send("getClientSessions", { body, freshness }), (parsed) => {
        const results = readBatch(parsed);
        return results === undefined ? undefined : { ok: true as const, results };
      });
    },

    async putClient(id, { sessionId, name, phone }) {
      // An absent field keeps the stored value, so it is left out rather than sent as null.
      const body: BodyOf<"putClient"> = {
        session_id: sessionId,
        ...(name !== undefined && { name }),
        ...(phone !== undefined && { phone }),
      };
      return written(await send("putClient", { path: { id }, body }), readSession);
    },

    async deleteClient(id) {
      return written(await send("deleteClient", { path: { id } }), deleted);
    },

    async getConversation(chatId) {
      return settle(await send("getConversation", { path: { chatId } }), (body) => {
        const conversation = readConversation(body);
        return conversation === undefined ? undefined : { ok: true as const, ...conversation };
      });
    },

    async putConversation(chatId, { clientId }) {
      const body: BodyOf<"putConversation"> = { client_id: clientId };
      return written(await send("putConversation", { path: { chatId }, body }), readConversation);
    },

    async deleteConversation(chatId) {
      return written(await send("deleteConversation", { path: { chatId } }), deleted);
    },

    async addAlias(chatId, alias) {
      return written(await send("addAlias", { path: { chatId, alias } }), readConversation);
    },

    async removeAlias(chatId, alias) {
      return written(await send("removeAlias", { path: { chatId, alias } }), deleted);
    },

    async listEvents({ chatId, clientId, sessionId } = {}, { limit, before } = {}) {
      const query = {
        ...(chatId !== undefined && { chatId }),
        ...(clientId !== undefined && { clientId }),
        ...(sessionId !== undefined && { sessionId }),
        ...(limit !== undefined && { limit }),
        ...(before != null && { before }),
      };
      return settle(await send("listEvents", { query }), (body) => {
        const page = readEvents(body);
        return page === undefined ? undefined : { ok: true as const, ...page };
      });
    },

    async listWebhooks() {
      return settle(await send("listWebhooks", {}), (body) => {
        const webhooks = readWebhooks(body);
        return webhooks === undefined ? undefined : { ok: true as const, webhooks };
      });
    },

    async putWebhook(name, { url, events }) {
      const body: BodyOf<"putWebhook"> = { url, events };
      return settle(await send("putWebhook", { path: { name }, body }), (parsed) => {
        const webhook = readWebhookWritten(parsed);
        return webhook === undefined ? undefined : { ok: true as const, ...webhook };
      });
    },

    async deleteWebhook(name) {
      return settle(await send("deleteWebhook", { path: { name } }), (body) =>
        readSuccess(body) ? { ok: true as const } : undefined,
      );
    },

    async putSessionStatus(sessionId, { status, at }) {
      const body: BodyOf<"putSessionStatus"> = { status, ...(at !== undefined && { at }) };
      return written(await send("putSessionStatus", { path: { sessionId }, body }), readSessionStatus);
    },

    async listSessions() {
      return settle(await send("listSessions", {}), (body) => {
        const sessions = readSessionList(body);
        return sessions === undefined ? undefined : { ok: true as const, sessions };
      });
    },

    async postWahaWebhook(event) {
      return settle(await send("postWahaWebhook", { body: event }), webhookAnswer);
    },

    async postEvolutionWebhook(event) {
      return settle(await send("postEvolutionWebhook", { body: event }), webhookAnswer);
    },

    async postEvolutionWebhookByEvent(eventPath, event) {
      return settle(
        await send("postEvolutionWebhookByEvent", { path: { event: eventPath }, body: event }),
        webhookAnswer,
      );
    },
  };
}
