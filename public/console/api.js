// The service's public API, called with the signed-in token: the console has no other way in,
// so the token's scopes and session limits decide what it can see and change.

/**
 * @typedef {{ chat_id: string, client_id: string | null, aliases: string[] }} Conversation
 * @typedef {{ status: string, since: string | null }} SessionStatus
 * @typedef {{ id: string, session_id: string, session: SessionStatus | null }} Lookup
 *   `session` is null when the deployment does not report it (no `include=session`).
 * @typedef {{ id: string, status: string, since: string | null, clients: number | null }} Session
 * @typedef {Record<string, unknown>} ServiceEvent An event as the API answers it (`id`, `at`, `type`, …).
 * @typedef {{ events: ServiceEvent[], next: string | null }} EventPage
 * @typedef {{ by: "chatId" | "clientId", id: string }} HistoryOf Whose history: a chat's, or a client's.
 */

/**
 * @template T
 * @typedef {{ ok: true, status: number, value: T } | Failure} Answer
 */

/**
 * @typedef {object} Failure
 * @property {false} ok
 * @property {number} status The HTTP status; 0 when no answer came.
 * @property {string} error The API's `error` (`"Not found"` for a route this deployment lacks).
 * @property {string} words What to show: the error, the scope it needed, the details.
 */

/** @param {unknown} value @returns {Record<string, unknown>} */
export function objectOf(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? /** @type {Record<string, unknown>} */ (value)
    : {};
}

/** @param {unknown} value */
function stringOrNull(value) {
  return typeof value === "string" ? value : null;
}

/** @param {unknown} value @returns {Conversation} */
function conversationOf(value) {
  const record = objectOf(value);
  const aliases = Array.isArray(record.aliases) ? record.aliases : [];
  return {
    chat_id: String(record.chat_id ?? ""),
    client_id: stringOrNull(record.client_id),
    aliases: aliases.filter((alias) => typeof alias === "string"),
  };
}

/** @param {unknown} value @returns {Lookup} */
function lookupOf(value) {
  const record = objectOf(value);
  const session = record.session === undefined ? null : objectOf(record.session);
  return {
    id: String(record.id ?? ""),
    session_id: String(record.session_id ?? ""),
    session: session && { status: String(session.status ?? ""), since: stringOrNull(session.since) },
  };
}

/** @param {unknown} value @returns {Session} */
function sessionOf(value) {
  const record = objectOf(value);
  return {
    id: String(record.id ?? ""),
    status: String(record.status ?? ""),
    since: stringOrNull(record.since),
    clients: typeof record.clients === "number" ? record.clients : null,
  };
}

/**
 * The words of a failed answer: the API's `error`, the scope it needed, the details of a bad body,
 * when to retry. Never a stack: the API sends none, and anything else is named by its status.
 *
 * @param {number} status
 * @param {Record<string, unknown>} body
 * @param {Headers} headers
 * @returns {Failure}
 */
function failureOf(status, body, headers) {
  const error = typeof body.error === "string" ? body.error : "";
  let words = error === "" ? `Unexpected answer from the service (HTTP ${status})` : error;
  if (typeof body.required_scope === "string") {
    words += `: this token lacks the scope ${body.required_scope}`;
  }
  if (Array.isArray(body.details)) {
    const details = body.details.map((detail) => {
      const { path, message } = objectOf(detail);
      return typeof path === "string" && path !== "" ? `${path}: ${String(message)}` : String(message);
    });
    if (details.length > 0) words += ` (${details.join("; ")})`;
  }
  const retryAfter = headers.get("Retry-After");
  if (status === 429 && retryAfter !== null) words += `. Try again in ${retryAfter} s`;
  return { ok: false, status, error, words: `${words}.` };
}

/** One path segment, as the API reads it (`+` and `/` encoded). */
const segment = encodeURIComponent;

/** The service's API, called with one token. */
export class Api {
  #token;
  #onUnauthorized;
  /** The bookmark of the latest write: lookups read at least that new, on any replica. */
  #bookmark = "";

  /**
   * @param {string} token
   * @param {() => void} onUnauthorized Called when the API answers 401 (unknown, expired or revoked token).
   */
  constructor(token, onUnauthorized) {
    this.#token = token;
    this.#onUnauthorized = onUnauthorized;
  }

  /**
   * @param {string} method
   * @param {string} path Path and query, encoded.
   * @param {{ body?: unknown, fresh?: boolean }} [options] `fresh`: skip the caches (`no-cache`).
   * @returns {Promise<Answer<Record<string, unknown>>>}
   */
  async send(method, path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${this.#token}` };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.fresh === true) {
      headers["Cache-Control"] = "no-cache";
      if (this.#bookmark !== "") headers["x-d1-bookmark"] = this.#bookmark;
    }
    /** @type {Response} */
    let response;
    /** @type {unknown} */
    let parsed;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        credentials: "omit",
      });
      parsed = await response.json().catch(() => undefined);
    } catch {
      return { ok: false, status: 0, error: "", words: "Could not reach the service. Check the connection." };
    }
    const body = objectOf(parsed);
    const bookmark = response.headers.get("x-d1-bookmark");
    if (bookmark !== null && method !== "GET") this.#bookmark = bookmark;
    if (response.ok && body.success === true) return { ok: true, status: response.status, value: body };
    if (response.status === 401) this.#onUnauthorized();
    return failureOf(response.status, body, response.headers);
  }

  /**
   * @template T
   * @param {Answer<Record<string, unknown>>} answer
   * @param {(body: Record<string, unknown>) => T} read
   * @returns {Answer<T>}
   */
  static #map(answer, read) {
    return answer.ok ? { ok: true, status: answer.status, value: read(answer.value) } : answer;
  }

  /** `GET /api/sessions`: the sessions this token may see. @returns {Promise<Answer<Session[]>>} */
  async sessions() {
    const answer = await this.send("GET", "/api/sessions");
    return Api.#map(answer, (body) => (Array.isArray(body.sessions) ? body.sessions.map(sessionOf) : []));
  }

  /**
   * A lookup, as a bot makes it, fresh from the database, with the session's status.
   * An empty `chatId` only checks the token (`400 Chat ID is required` once it passed).
   *
   * @param {string} chatId
   * @returns {Promise<Answer<Lookup>>}
   */
  async lookup(chatId) {
    const query = `chatId=${encodeURIComponent(chatId)}&include=session`;
    const answer = await this.send("GET", `/api/clients/view?${query}`, { fresh: true });
    return Api.#map(answer, (body) => lookupOf(body.record));
  }

  /** @param {string} chatId Any id of the conversation. @returns {Promise<Answer<Conversation>>} */
  async conversation(chatId) {
    const answer = await this.send("GET", `/api/conversations/${segment(chatId)}`);
    return Api.#map(answer, (body) => conversationOf(body.record));
  }

  /**
   * `GET /api/events?chatId=…` (or `clientId=…`): newest first, `before` the cursor of the
   * previous page.
   *
   * @param {HistoryOf} of
   * @param {string | null} before
   * @returns {Promise<Answer<EventPage>>}
   */
  async events(of, before) {
    let query = `${of.by}=${encodeURIComponent(of.id)}&limit=20`;
    if (before !== null) query += `&before=${encodeURIComponent(before)}`;
    const answer = await this.send("GET", `/api/events?${query}`);
    return Api.#map(answer, (body) => ({
      events: Array.isArray(body.events) ? body.events.map(objectOf) : [],
      next: stringOrNull(body.next),
    }));
  }

  /**
   * Links the conversation to a client, or unlinks it with `null`.
   *
   * @param {string} chatId
   * @param {string | null} clientId
   * @returns {Promise<Answer<Conversation>>}
   */
  async link(chatId, clientId) {
    const answer = await this.send("PUT", `/api/conversations/${segment(chatId)}`, {
      body: { client_id: clientId },
    });
    return Api.#map(answer, (body) => conversationOf(body.record));
  }

  /** @param {string} chatId @param {string} alias @returns {Promise<Answer<Conversation>>} */
  async addId(chatId, alias) {
    const answer = await this.send("PUT", `/api/conversations/${segment(chatId)}/aliases/${segment(alias)}`);
    return Api.#map(answer, (body) => conversationOf(body.record));
  }

  /** @param {string} chatId @param {string} alias @returns {Promise<Answer<true>>} */
  async removeId(chatId, alias) {
    const answer = await this.send(
      "DELETE",
      `/api/conversations/${segment(chatId)}/aliases/${segment(alias)}`,
    );
    return Api.#map(answer, () => /** @type {const} */ (true));
  }

  /**
   * Moves a client to another session; its private fields keep their values.
   *
   * @param {string} clientId
   * @param {string} sessionId
   * @returns {Promise<Answer<true>>}
   */
  async moveClient(clientId, sessionId) {
    const answer = await this.send("PUT", `/api/clients/${segment(clientId)}`, {
      body: { session_id: sessionId },
    });
    return Api.#map(answer, () => /** @type {const} */ (true));
  }
}
