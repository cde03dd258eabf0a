/**
 * The contract's chat-id grammar (/work/shared/API.md, "GET /api/clients/view"), written out
 * plainly for property tests to compare the service with: no regular expression and nothing
 * from src/, so that it cannot share a mistake with src/domain/chat-id.ts.
 *
 * Each accepted spelling is one {@link ChatIdForm} in {@link FORMS}, with the forms of "Ids from
 * every WhatsApp stack" (Cloud API numbers, hosted devices, business-scoped user ids).
 */

/** What the contract says a chat id is: its canonical form, or the 400 it answers. */
export type ExpectedChatId =
  | { ok: true; chatId: string }
  | { ok: false; error: "Chat ID is required" | "Invalid chat ID" };

/** The longest chat id, in UTF-16 code units, surrounding white space included. */
export const MAX_CHAT_ID_LENGTH = 160;

/**
 * One spelling of a chat id: its canonical form, or `undefined` when `id` is not of this form.
 * `id` has no surrounding white space.
 */
export type ChatIdForm = (id: string) => string | undefined;

/** The white space around an id that does not count (what JavaScript's `trim` removes). */
const WHITE_SPACE = new Set([
  "\t",
  "\n",
  "\v",
  "\f",
  "\r",
  " ",
  "\u00a0",
  "\u1680",
  "\u2000",
  "\u2001",
  "\u2002",
  "\u2003",
  "\u2004",
  "\u2005",
  "\u2006",
  "\u2007",
  "\u2008",
  "\u2009",
  "\u200a",
  "\u2028",
  "\u2029",
  "\u202f",
  "\u205f",
  "\u3000",
  "\ufeff",
]);

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
function isControl(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= "0" && character <= "9";
}

function withoutSurroundingWhiteSpace(raw: string): string {
  let start = 0;
  let end = raw.length;
  while (start < end && WHITE_SPACE.has(raw.charAt(start))) start++;
  while (end > start && WHITE_SPACE.has(raw.charAt(end - 1))) end--;
  return raw.slice(start, end);
}

/** The only chat id that is not digits before its `@`: the status broadcast, kept as it is. */
const statusBroadcast: ChatIdForm = (id) => (id === "status@broadcast" ? id : undefined);

function isAsciiLetterOrDigit(character: string): boolean {
  return (
    isDigit(character) || (character >= "a" && character <= "z") || (character >= "A" && character <= "Z")
  );
}

/**
 * Servers whose ids name a person: every spelling of one person has one canonical id. `hosted`
 * and `hosted.lid` are a Cloud API number's device as the web protocol names it.
 */
const PERSON_SERVERS: Record<string, string> = {
  "c.us": "c.us",
  "s.whatsapp.net": "c.us",
  hosted: "c.us",
  lid: "lid",
  "hosted.lid": "lid",
};
/** Servers whose ids are kept exactly as given. */
const OTHER_SERVERS = ["g.us", "broadcast", "newsletter"];

/**
 * `user@server` of the web protocol: user is a number, then optionally `-number` (old group
 * ids), `_number` or `.number` (an agent, the second as whatsmeow writes it) and `:number` (a
 * device), in that order. A person's agent and device parts name one of their devices, never
 * another chat, so the canonical id drops them.
 */
const webId: ChatIdForm = (id) => {
  const at = id.indexOf("@");
  if (at === -1) return undefined;
  const user = id.slice(0, at);
  const server = id.slice(at + 1);
  const personServer = PERSON_SERVERS[server];
  if (personServer === undefined && !OTHER_SERVERS.includes(server)) return undefined;

  let position = 0;
  const readNumber = (): string | undefined => {
    const start = position;
    while (isDigit(user[position])) position++;
    return position > start ? user.slice(start, position) : undefined;
  };
  const readPart = (separator: string): string | null | undefined => {
    if (user[position] !== separator) return null; // absent
    position++;
    return readNumber(); // undefined: a separator without its number
  };

  const number = readNumber();
  const group = readPart("-");
  const agent = user[position] === "." ? readPart(".") : readPart("_");
  const device = readPart(":");
  if (number === undefined || group === undefined || agent === undefined || device === undefined)
    return undefined;
  if (position !== user.length) return undefined;
  if (personServer === undefined) return id;
  return `${number}${group === null ? "" : `-${group}`}@${personServer}`;
};

/**
 * The Cloud API's `wa_id`: a phone number in E.164 without separators, optionally after `+`: 7
 * to 15 digits, the first not 0. The same person as `N@c.us`.
 */
const waId: ChatIdForm = (id) => {
  const number = id.startsWith("+") ? id.slice(1) : id;
  if (number.length < 7 || number.length > 15 || number.startsWith("0")) return undefined;
  for (const character of number) if (!isDigit(character)) return undefined;
  return `${number}@c.us`;
};

/**
 * A business-scoped user id of the Cloud API: two upper-case letters (a country), `.`, then 1
 * to 128 ASCII letters and digits; a parent one has `ENT.` after the country. Kept as given:
 * upper and lower case are different ids.
 */
const businessScopedUserId: ChatIdForm = (id) => {
  const country = id.slice(0, 2);
  if (country.length !== 2 || [...country].some((letter) => letter < "A" || letter > "Z")) return undefined;
  if (id[2] !== ".") return undefined;
  const rest = id.slice(3);
  const letters = rest.startsWith("ENT.") ? rest.slice(4) : rest;
  if (letters.length < 1 || letters.length > 128) return undefined;
  return [...letters].every(isAsciiLetterOrDigit) ? id : undefined;
};

/** Every spelling the contract accepts. */
const FORMS: readonly ChatIdForm[] = [statusBroadcast, webId, waId, businessScopedUserId];

/**
 * Whether a canonical id names a person (a phone-number id, a LID, a BSUID): what the contract
 * allows as an alias, and on both sides of a lookup with `alt`.
 */
export function isPersonChatId(chatId: string): boolean {
  if (businessScopedUserId(chatId) === chatId) return true;
  for (const server of ["@c.us", "@lid"]) {
    if (!chatId.endsWith(server)) continue;
    const user = chatId.slice(0, -server.length);
    return user.length > 0 && [...user].every(isDigit);
  }
  return false;
}

/**
 * What the contract says of a chat id as a caller sent it, checked in the service's order: too
 * long, then blank, then control characters, then the grammar.
 *
 * @example
 * expectedChatId("123456789:12@s.whatsapp.net"); // { ok: true, chatId: "123456789@c.us" }
 */
export function expectedChatId(raw: string | undefined): ExpectedChatId {
  if (raw === undefined) return { ok: false, error: "Chat ID is required" };
  if (raw.length > MAX_CHAT_ID_LENGTH) return { ok: false, error: "Invalid chat ID" };
  const id = withoutSurroundingWhiteSpace(raw);
  if (id === "") return { ok: false, error: "Chat ID is required" };
  if ([...raw].some(isControl)) return { ok: false, error: "Invalid chat ID" };
  for (const form of FORMS) {
    const chatId = form(id);
    if (chatId !== undefined) return { ok: true, chatId };
  }
  return { ok: false, error: "Invalid chat ID" };
}
