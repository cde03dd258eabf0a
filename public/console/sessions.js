// The sessions page: every session this token may see, with its status and how many clients it
// serves (`GET /api/sessions`).
import { byId, code, h, moment, say } from "./dom.js";

/** @import { Api, Failure } from "./api.js" */

// The statuses the API reports; anything else is shown as text, without a colour.
const STATUSES = new Set(["WORKING", "STARTING", "SCAN_QR_CODE", "FAILED", "STOPPED", "UNKNOWN"]);

/** A session's status, coloured when it is one the API defines. @param {string} status */
export function statusBadge(status) {
  const known = STATUSES.has(status);
  return h("span", { className: known ? `status status-${status.toLowerCase()}` : "status" }, status);
}

/** When a session entered its status. @param {string | null} since */
export function sinceText(since) {
  return since === null ? h("span", {}, "never reported") : moment(since);
}

/**
 * The words for an endpoint this deployment does not have yet (`404 Not found`), or the failure's own.
 *
 * @param {Failure} failure
 * @param {string} what What the endpoint gives, such as "the list of sessions".
 * @param {string} endpoint Such as "GET /api/sessions".
 */
export function unavailable(failure, what, endpoint) {
  return failure.status === 404 && failure.error === "Not found"
    ? `This deployment does not offer ${what} yet (${endpoint} answered 404 Not found).`
    : failure.words;
}

/** The sessions page. */
export class SessionsPage {
  #api;
  #message = byId("sessions-message", HTMLParagraphElement);
  #root = byId("sessions", HTMLDivElement);

  /** @param {Api} api */
  constructor(api) {
    this.#api = api;
  }

  /** Loads the list again. */
  async load() {
    say(this.#message, "");
    this.#root.setAttribute("aria-busy", "true");
    const answer = await this.#api.sessions();
    this.#root.removeAttribute("aria-busy");
    if (!answer.ok) {
      this.#root.replaceChildren();
      say(this.#message, unavailable(answer, "the list of sessions", "GET /api/sessions"));
      return;
    }
    if (answer.value.length === 0) {
      this.#root.replaceChildren(
        h(
          "p",
          {},
          "No session yet: none serves a client or has reported a status (that this token may see).",
        ),
      );
      return;
    }
    const rows = answer.value.map((session) =>
      h(
        "tr",
        {},
        h("th", { attributes: { scope: "row", "data-label": "Session" } }, code(session.id)),
        h("td", { attributes: { "data-label": "Status" } }, statusBadge(session.status)),
        h("td", { attributes: { "data-label": "Since" } }, sinceText(session.since)),
        h(
          "td",
          { className: "number", attributes: { "data-label": "Clients" } },
          session.clients === null ? "" : String(session.clients),
        ),
      ),
    );
    const head = ["Session", "Status", "Since", "Clients"].map((name) =>
      h("th", { attributes: { scope: "col" } }, name),
    );
    this.#root.replaceChildren(
      h("table", { className: "sessions" }, h("thead", {}, h("tr", {}, ...head)), h("tbody", {}, ...rows)),
    );
  }

  /** Forgets what it showed (signing out). */
  clear() {
    say(this.#message, "");
    this.#root.replaceChildren();
  }
}
