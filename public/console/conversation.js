// The conversations page: find a conversation by any of its ids, see its ids, client, session and
// history, and change it. Every change is confirmed first, in words that say what it changes.
import { confirmChange } from "./confirm.js";
import { byId, code, fieldForm, h, say } from "./dom.js";
import { historyCard } from "./history.js";
import { sinceText, statusBadge } from "./sessions.js";

/** @import { Answer, Api, Conversation, EventPage, Failure, Lookup } from "./api.js" */

/** What kind of id this is, in its canonical form. @param {string} id */
export function kindOf(id) {
  if (id.endsWith("@c.us")) return "phone number";
  if (id.endsWith("@lid")) return "LID";
  if (/^[A-Z]{2}\.[A-Za-z0-9.]+$/.test(id)) return "business-scoped user id";
  if (id.endsWith("@g.us")) return "group";
  if (id.endsWith("@newsletter")) return "newsletter";
  if (id.endsWith("@broadcast")) return "broadcast";
  return "id";
}

/** @param {Conversation} conversation */
function idsOf(conversation) {
  return [conversation.chat_id, ...conversation.aliases];
}

/** `a`, `a and b`, `a, b and c`. @param {string[]} items */
function listed(items) {
  return items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** @param {string} title @param {...(Node | string)} children */
function card(title, ...children) {
  return h("section", { className: "card" }, h("h3", { attributes: { tabindex: "-1" } }, title), ...children);
}

/** @param {[string, Node | string][]} rows */
function facts(rows) {
  return h("dl", {}, ...rows.flatMap(([term, detail]) => [h("dt", {}, term), h("dd", {}, detail)]));
}

/** @param {Answer<Lookup> | null} lookup */
function sessionOf(lookup) {
  if (lookup === null) return "none: the chat has no client";
  if (!lookup.ok) return lookup.words;
  const { session_id: sessionId, session } = lookup.value;
  if (session === null) {
    return h("span", {}, code(sessionId), " (this deployment does not report its status)");
  }
  const since = session.since === null ? [" never reported"] : [" since ", sinceText(session.since)];
  return h("span", {}, code(sessionId), " ", statusBadge(session.status), ...since);
}

/** The conversations page. */
export class ConversationPage {
  #api;
  #message = byId("conversation-message", HTMLParagraphElement);
  #root = byId("conversation", HTMLDivElement);
  /** Each search's number: an answer to an older one is dropped. */
  #searches = 0;
  /** @type {Conversation | null} */
  #shown = null;
  /** @type {Lookup | null} */
  #lookup = null;

  /** @param {Api} api */
  constructor(api) {
    this.#api = api;
  }

  /** Forgets what it showed (signing out). */
  clear() {
    this.#searches++;
    this.#shown = null;
    this.#lookup = null;
    say(this.#message, "");
    this.#root.replaceChildren();
    this.#root.removeAttribute("aria-busy");
  }

  /**
   * Finds the conversation that has `chatId` among its ids and shows it.
   *
   * @param {string} chatId Any id, in any spelling the API accepts.
   * @param {string} [done] A confirmation to show once it is shown (after a change).
   */
  async search(chatId, done = "") {
    if (chatId === "") {
      say(this.#message, "Enter a chat ID: any id of the person.");
      return;
    }
    const search = ++this.#searches;
    say(this.#message, "");
    this.#root.setAttribute("aria-busy", "true");
    const found = await this.#api.conversation(chatId);
    if (found.ok) {
      const { chat_id: id, client_id: clientId } = found.value;
      const [lookup, chatHistory, clientHistory] = await Promise.all([
        clientId === null ? null : this.#api.lookup(id),
        this.#api.events({ by: "chatId", id }, null),
        clientId === null ? null : this.#api.events({ by: "clientId", id: clientId }, null),
      ]);
      if (search !== this.#searches) return;
      this.#showConversation(chatId, found.value, lookup, chatHistory, clientHistory);
    } else if (found.status === 403) {
      // A token that may only look up (clients:read): show what a bot would be answered, and the
      // history if the token may read it.
      const [lookup, history] = await Promise.all([
        this.#api.lookup(chatId),
        this.#api.events({ by: "chatId", id: chatId }, null),
      ]);
      if (search !== this.#searches) return;
      this.#showLookup(chatId, lookup, history, found);
    } else {
      if (search !== this.#searches) return;
      this.clear();
      say(this.#message, found.words);
    }
    this.#root.removeAttribute("aria-busy");
    if (done !== "") {
      say(this.#message, done, true);
      // The buttons were drawn again: the keyboard carries on from the top of the conversation.
      this.#root.querySelector("h3")?.focus();
    }
  }

  /**
   * @param {string} searched
   * @param {Conversation} conversation
   * @param {Answer<Lookup> | null} lookup
   * @param {Answer<EventPage>} chatHistory
   * @param {Answer<EventPage> | null} clientHistory Its client's (session changes are the client's).
   */
  #showConversation(searched, conversation, lookup, chatHistory, clientHistory) {
    this.#shown = conversation;
    this.#lookup = lookup?.ok === true ? lookup.value : null;
    const ids = idsOf(conversation);
    const idList = h(
      "ul",
      { className: "ids" },
      ...ids.map((id) => {
        const kind = id === conversation.chat_id ? `${kindOf(id)} · chat ID` : kindOf(id);
        const item = h("li", {}, code(id), " ", h("span", { className: "kind" }, kind));
        if (ids.length > 1) {
          const remove = h(
            "button",
            { attributes: { type: "button", "aria-label": `Remove ID ${id}` } },
            "Remove",
          );
          remove.addEventListener("click", () => this.#removeId(id));
          item.append(" ", remove);
        }
        return item;
      }),
    );
    const client =
      conversation.client_id === null
        ? "none: lookups answer “Client not found”"
        : code(conversation.client_id);
    const details = card(
      `Conversation ${conversation.chat_id}`,
      facts([
        ["IDs", idList],
        ["Client", client],
        ["Session", sessionOf(lookup)],
      ]),
    );
    if (searched !== conversation.chat_id) {
      details.append(h("p", { className: "hint" }, "Found by ", code(searched), "."));
    }
    const chat = { by: /** @type {const} */ ("chatId"), id: conversation.chat_id };
    this.#root.replaceChildren(
      details,
      this.#changes(conversation),
      historyCard(this.#api, card("History of this conversation"), chat, chatHistory),
    );
    if (clientHistory !== null && conversation.client_id !== null) {
      const client = { by: /** @type {const} */ ("clientId"), id: conversation.client_id };
      const title = `History of client ${conversation.client_id}`;
      this.#root.append(historyCard(this.#api, card(title), client, clientHistory));
    }
  }

  /** @param {Conversation} conversation */
  #changes(conversation) {
    const changes = card(
      "Change",
      fieldForm({
        id: "link-client",
        label: "Client ID",
        button: "Link",
        onSubmit: (clientId) => this.#link(clientId),
      }),
      fieldForm({ id: "add-id", label: "ID to add", button: "Add ID", onSubmit: (id) => this.#addId(id) }),
    );
    if (conversation.client_id !== null) {
      const unlink = h("button", { attributes: { type: "button" } }, "Unlink");
      unlink.addEventListener("click", () => this.#unlink());
      changes.insertBefore(h("p", {}, unlink), changes.children[2] ?? null);
      changes.append(
        fieldForm({
          id: "move-session",
          label: "New session ID",
          button: "Move client",
          onSubmit: (sessionId) => this.#moveClient(sessionId),
        }),
        h("p", { className: "hint" }, "Moves the client, with all its chats, not only this one."),
      );
    }
    return changes;
  }

  /**
   * What a token that may only look up sees: the client and session a bot would be answered.
   *
   * @param {string} chatId
   * @param {Answer<Lookup>} lookup
   * @param {Answer<EventPage>} history Shown only when the token may read it.
   * @param {Failure} refusal Why the conversation itself could not be read.
   */
  #showLookup(chatId, lookup, history, refusal) {
    this.#shown = null;
    this.#lookup = null;
    if (!lookup.ok && lookup.error !== "Client not found") {
      this.clear();
      say(this.#message, lookup.words);
      return;
    }
    const client = lookup.ok ? code(lookup.value.id) : "none: lookups answer “Client not found”";
    this.#root.replaceChildren(
      card(
        `Chat ${chatId}`,
        facts([
          ["Client", client],
          ["Session", lookup.ok ? sessionOf(lookup) : "none: the chat has no client"],
        ]),
        h(
          "p",
          { className: "hint" },
          `What a lookup answers. This token cannot read the conversation or its ids, nor change them (${refusal.words})`,
        ),
      ),
    );
    if (history.ok) {
      const chat = { by: /** @type {const} */ ("chatId"), id: chatId };
      this.#root.append(historyCard(this.#api, card("History of this conversation"), chat, history));
    }
  }

  /**
   * Runs a change once confirmed, then shows the conversation again.
   *
   * @param {{ title: string, changes: string[], action: string }} question
   * @param {() => Promise<Answer<unknown>>} change
   * @param {string} showNext The id to show afterwards.
   * @param {string} done What to say once done.
   */
  async #change(question, change, showNext, done) {
    say(this.#message, "");
    if (!(await confirmChange(question))) {
      say(this.#message, "Nothing changed.");
      return;
    }
    const answer = await change();
    if (!answer.ok) {
      say(this.#message, answer.words);
      return;
    }
    await this.search(showNext, done);
  }

  /** @param {string} clientId */
  async #link(clientId) {
    const shown = this.#shown;
    if (shown === null) return;
    if (clientId === "") {
      say(this.#message, "Enter the ID of the client to link this chat to.");
      return;
    }
    const ids = listed(idsOf(shown));
    const now =
      shown.client_id === null
        ? `Chat ${shown.chat_id} has no client now.`
        : `Chat ${shown.chat_id} belongs to client ${shown.client_id} now.`;
    await this.#change(
      {
        title: "Link this chat?",
        changes: [
          now,
          `It will belong to client ${clientId}: lookups of ${ids} will answer client ${clientId} and its session.`,
        ],
        action: "Link",
      },
      () => this.#api.link(shown.chat_id, clientId),
      shown.chat_id,
      `Chat ${shown.chat_id} now belongs to client ${clientId}.`,
    );
  }

  async #unlink() {
    const shown = this.#shown;
    if (shown === null || shown.client_id === null) return;
    await this.#change(
      {
        title: "Unlink this chat?",
        changes: [
          `Chat ${shown.chat_id} will no longer belong to client ${shown.client_id}: lookups of ${listed(idsOf(shown))} will answer “Client not found”.`,
          "The conversation and its ids stay.",
        ],
        action: "Unlink",
      },
      () => this.#api.link(shown.chat_id, null),
      shown.chat_id,
      `Chat ${shown.chat_id} no longer belongs to a client.`,
    );
  }

  /** @param {string} alias */
  async #addId(alias) {
    const shown = this.#shown;
    if (shown === null) return;
    if (alias === "") {
      say(this.#message, "Enter the ID to add: another id of the same person.");
      return;
    }
    const answers =
      shown.client_id === null ? "“Client not found”, as this chat does" : `client ${shown.client_id}`;
    const owners =
      shown.client_id === null ? "has no client" : `has no client or belongs to client ${shown.client_id}`;
    await this.#change(
      {
        title: "Add this ID?",
        changes: [
          `${alias} will be an id of chat ${shown.chat_id}: its lookups will answer ${answers}.`,
          `If ${alias} is already an id of another conversation that ${owners}, that conversation is merged into this one, with all its ids. If it belongs to another client, nothing changes.`,
        ],
        action: "Add ID",
      },
      () => this.#api.addId(shown.chat_id, alias),
      shown.chat_id,
      `${alias} is now an id of this conversation.`,
    );
  }

  /** @param {string} id */
  async #removeId(id) {
    const shown = this.#shown;
    if (shown === null) return;
    const changes = [
      `${id} will no longer be an id of this conversation: its lookups will answer “Conversation not found”.`,
    ];
    if (id === shown.chat_id) {
      changes.push(
        "It is the conversation's chat ID: another of its ids becomes the chat ID (a phone number first, then a LID, then a business-scoped user id).",
      );
    }
    const remaining = idsOf(shown).find((other) => other !== id) ?? shown.chat_id;
    await this.#change(
      { title: "Remove this ID?", changes, action: "Remove ID" },
      () => this.#api.removeId(shown.chat_id, id),
      remaining,
      `${id} is no longer an id of this conversation.`,
    );
  }

  /** @param {string} sessionId */
  async #moveClient(sessionId) {
    const shown = this.#shown;
    const clientId = shown?.client_id ?? null;
    if (shown === null || clientId === null) return;
    if (sessionId === "") {
      say(this.#message, "Enter the ID of the session to move the client to.");
      return;
    }
    const current = this.#lookup?.session_id;
    await this.#change(
      {
        title: "Move this client?",
        changes: [
          current === undefined
            ? `Client ${clientId} is served by a session this token cannot see now.`
            : `Client ${clientId} is served by session ${current} now.`,
          `It will be served by session ${sessionId}: lookups of every chat of client ${clientId}, not only this one, will answer session ${sessionId}.`,
        ],
        action: "Move client",
      },
      () => this.#api.moveClient(clientId, sessionId),
      shown.chat_id,
      `Client ${clientId} is now served by session ${sessionId}.`,
    );
  }
}
