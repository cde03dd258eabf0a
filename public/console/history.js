// A history of changes (`GET /api/events`): who changed what, when, newest first, a page at a time.
import { objectOf } from "./api.js";
import { code, h, moment } from "./dom.js";
import { unavailable } from "./sessions.js";

/** @import { Answer, Api, EventPage, HistoryOf, ServiceEvent } from "./api.js" */

/** A value of an event's `before` or `after`, whatever its shape, as text. @param {unknown} value @returns {string} */
function describeValue(value) {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.map(describeValue).join(", ");
  if (typeof value === "object") {
    return Object.entries(value)
      .map(([key, item]) => `${key} ${describeValue(item)}`)
      .join(", ");
  }
  return String(value);
}

/**
 * What an event changed, one field at a time: `session_id: a → b`, or the value alone when only
 * one side has it.
 *
 * @param {unknown} before
 * @param {unknown} after
 * @returns {string[]}
 */
function describeChange(before, after) {
  const old = objectOf(before);
  const now = objectOf(after);
  return [...new Set([...Object.keys(old), ...Object.keys(now)])].map((field) => {
    if (!(field in old)) return `${field}: ${describeValue(now[field])}`;
    if (!(field in now)) return `${field}: ${describeValue(old[field])} → removed`;
    return `${field}: ${describeValue(old[field])} → ${describeValue(now[field])}`;
  });
}

const EVENT_FIELDS = /** @type {const} */ ([
  ["chat_id", "chat"],
  ["client_id", "client"],
  ["session_id", "session"],
]);

/** One event: when, what, by whom; then what it names and what it changed. @param {ServiceEvent} event */
function eventItem(event) {
  const actor = typeof event.actor === "string" ? event.actor : "";
  const facts = [];
  for (const [field, name] of EVENT_FIELDS) {
    const value = event[field];
    if (typeof value === "string") facts.push(h("span", {}, `${name} `, code(value)));
  }
  for (const change of describeChange(event.before, event.after)) facts.push(h("span", {}, change));
  return h(
    "li",
    {},
    h(
      "div",
      {},
      moment(String(event.at ?? "")),
      " ",
      h("strong", {}, String(event.type ?? "")),
      actor === "" ? "" : ` by ${actor}`,
    ),
    h("div", { className: "facts" }, ...facts),
  );
}

/**
 * A card with a history's first page, and a button for each older one.
 *
 * @param {Api} api
 * @param {HTMLElement} card The card to fill (its heading already in it).
 * @param {HistoryOf} of
 * @param {Answer<EventPage>} first
 * @returns {HTMLElement} The card.
 */
export function historyCard(api, card, of, first) {
  if (!first.ok) {
    card.append(h("p", {}, unavailable(first, "a history of changes", "GET /api/events")));
    return card;
  }
  if (first.value.events.length === 0) {
    card.append(h("p", {}, "No change recorded."));
    return card;
  }
  const list = h("ol", { className: "events" }, ...first.value.events.map(eventItem));
  card.append(list);

  /** @param {string | null} next */
  const offerOlder = (next) => {
    if (next === null) return;
    const older = h("button", { attributes: { type: "button" } }, "Older events");
    older.addEventListener("click", async () => {
      older.disabled = true;
      const page = await api.events(of, next);
      older.remove();
      if (!page.ok) {
        card.append(h("p", {}, page.words));
        return;
      }
      list.append(...page.value.events.map(eventItem));
      offerOlder(page.value.next);
    });
    card.append(older);
  };
  offerOlder(first.value.next);
  return card;
}
