// The console's entry: signing in and out, and moving between its two pages. The token lives in
// this tab's session storage only (never a cookie, never the URL), and goes only to this origin's
// API, in the Authorization header.
import { Api } from "./api.js";
import { ConversationPage } from "./conversation.js";
import { byId, say } from "./dom.js";
import { SessionsPage } from "./sessions.js";

/** @import { Answer } from "./api.js" */

const TOKEN_KEY = "chat-session-lookup.console.token";
const UNAUTHORIZED =
  "Unauthorized: the service does not accept this token (unknown, expired or revoked). Sign in again.";

const nav = byId("nav", HTMLElement);
const signInPage = byId("sign-in-page", HTMLElement);
const signInForm = byId("sign-in-form", HTMLFormElement);
const signInMessage = byId("sign-in-message", HTMLParagraphElement);
const tokenInput = byId("token", HTMLInputElement);
const conversationsPage = byId("conversations-page", HTMLElement);
const searchForm = byId("search-form", HTMLFormElement);
const chatIdInput = byId("chat-id", HTMLInputElement);
const sessionsPage = byId("sessions-page", HTMLElement);
const showConversations = byId("show-conversations", HTMLButtonElement);
const showSessions = byId("show-sessions", HTMLButtonElement);

/** @type {{ conversations: ConversationPage, sessions: SessionsPage } | null} */
let signedIn = null;

/** @param {"conversations" | "sessions"} name */
function showPage(name) {
  conversationsPage.hidden = name !== "conversations";
  sessionsPage.hidden = name !== "sessions";
  showConversations.toggleAttribute("aria-current", name === "conversations");
  showSessions.toggleAttribute("aria-current", name === "sessions");
  if (name === "conversations") chatIdInput.focus();
  else void signedIn?.sessions.load();
}

/** @param {string} words Why: shown on the sign-in page. */
function signOut(words) {
  sessionStorage.removeItem(TOKEN_KEY);
  signedIn?.conversations.clear();
  signedIn?.sessions.clear();
  signedIn = null;
  chatIdInput.value = "";
  nav.hidden = true;
  conversationsPage.hidden = true;
  sessionsPage.hidden = true;
  signInPage.hidden = false;
  say(signInMessage, words);
  tokenInput.focus();
}

/** @param {string} token A token the service accepted. */
function enter(token) {
  const api = new Api(token, () => signOut(UNAUTHORIZED));
  signedIn = { conversations: new ConversationPage(api), sessions: new SessionsPage(api) };
  say(signInMessage, "");
  signInPage.hidden = true;
  nav.hidden = false;
  showPage("conversations");
}

/**
 * Whether the service accepts `token`: `null` when it does (whatever its scopes), else the words
 * why not. Any answer but 401 means the token passed authentication.
 *
 * @param {string} token
 */
async function refusalOf(token) {
  const api = new Api(token, () => {});
  /** @type {Answer<unknown>} */
  let answer = await api.sessions();
  // A deployment without GET /api/sessions: a lookup of nothing checks the token the same way.
  if (!answer.ok && answer.status === 404 && answer.error === "Not found") answer = await api.lookup("");
  if (answer.ok || answer.status === 400 || answer.status === 403) return null;
  return answer.status === 401 ? UNAUTHORIZED.replace(" Sign in again.", "") : answer.words;
}

signInForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (token === "") {
    say(signInMessage, "Enter a token.");
    return;
  }
  say(signInMessage, "");
  const refusal = await refusalOf(token);
  if (refusal !== null) {
    say(signInMessage, refusal);
    return;
  }
  tokenInput.value = "";
  sessionStorage.setItem(TOKEN_KEY, token);
  enter(token);
});

searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void signedIn?.conversations.search(chatIdInput.value.trim());
});

showConversations.addEventListener("click", () => showPage("conversations"));
showSessions.addEventListener("click", () => showPage("sessions"));
byId("refresh-sessions", HTMLButtonElement).addEventListener("click", () => signedIn?.sessions.load());
byId("sign-out", HTMLButtonElement).addEventListener("click", () => signOut("Signed out."));

const kept = sessionStorage.getItem(TOKEN_KEY);
if (kept === null) tokenInput.focus();
else enter(kept);
