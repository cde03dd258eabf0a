/**
 * The benchmark's data set and request mixes: deterministic, from a seeded PRNG, so that every
 * run asks for the same chats in the same order.
 */

/** How many conversations and clients the database holds. */
export const CHAT_COUNT = 100_000;
export const CLIENT_COUNT = 1_000;

// Canonical phone-number chat ids (`N@c.us`): known chats and chats no conversation has are
// drawn from two ranges that never meet. LIDs are 15 digits, as WhatsApp's are, unrelated to the
// phone numbers, from a range of their own; business-scoped user ids are `US.` and 20 digits, as
// Meta's example.
const KNOWN_CHAT_BASE = 491_500_000_000;
const UNKNOWN_CHAT_BASE = 492_500_000_000;
const LID_BASE = 187_300_000_000_000;
const UNKNOWN_LID_BASE = 188_300_000_000_000;
// The timing probe's hidden chats (bench/lib/probe.ts): written by the bench itself, in a range
// that neither the known nor the unknown chats reach.
const PROBE_CHAT_BASE = 493_500_000_000;

/** The chat id of conversation `index` (0 ≤ index < CHAT_COUNT). */
export function chatId(index: number): string {
  return `${KNOWN_CHAT_BASE + index}@c.us`;
}

/** The LID (`N@lid`) of conversation `index`: an alias of it in `chat_ids`. */
export function lidOf(index: number): string {
  return `${LID_BASE + index}@lid`;
}

/** The business-scoped user id (`CC.X`) of conversation `index`: an alias of it in `chat_ids`. */
export function bsuidOf(index: number): string {
  return `US.1349120865${String(index).padStart(10, "0")}`;
}

/** A chat id that no conversation has; each `n` gives another one. */
export function unknownChatId(n: number): string {
  return `${UNKNOWN_CHAT_BASE + n}@c.us`;
}

/** A LID that no conversation has; each `n` gives another one. */
export function unknownLid(n: number): string {
  return `${UNKNOWN_LID_BASE + n}@lid`;
}

/** The chat id of the timing probe's hidden chat `n`, which the probe itself creates. */
export function probeChatId(n: number): string {
  return `${PROBE_CHAT_BASE + n}@c.us`;
}

/** Which client conversation `index` belongs to: spread over all clients, not in runs. */
export function clientOf(index: number): number {
  return (index * 7_919) % CLIENT_COUNT;
}

export function clientId(client: number): string {
  return `bench-client-${String(client).padStart(4, "0")}`;
}

export function sessionId(client: number): string {
  return `bench-session-${String(client).padStart(4, "0")}`;
}

/** What a lookup of conversation `index` must answer. */
export function expectedRecord(index: number): { id: string; session_id: string } {
  const client = clientOf(index);
  return { id: clientId(client), session_id: sessionId(client) };
}

/** When every session of the data set reported `WORKING` (epoch ms). */
export const SESSIONS_WORKING_SINCE = Date.parse("2026-01-01T00:00:00Z");

/** What a lookup of conversation `index` with `include=session` must answer. */
export function expectedRecordWithSession(index: number) {
  return {
    ...expectedRecord(index),
    session: { status: "WORKING", since: new Date(SESSIONS_WORKING_SINCE).toISOString() },
  };
}

/**
 * The lookup path of a chat id, with the other id of the same person as `alt` when given, and
 * `include=session` when the session's status is asked for.
 */
export function lookupPath(chat: string, alt?: string, includeSession = false): string {
  const path = `/api/clients/view?chatId=${encodeURIComponent(chat)}`;
  const withAlt = alt === undefined ? path : `${path}&alt=${encodeURIComponent(alt)}`;
  return includeSession ? `${withAlt}&include=session` : withAlt;
}

/**
 * The SQL that loads every client, conversation, LID and BSUID alias, and a `WORKING` status for
 * every session, as multi-row INSERTs of `rowsPerInsert` rows (each statement stays well under
 * D1's 100 KB statement limit). A trigger registers each conversation's own chat id in
 * `chat_ids`; the LIDs and BSUIDs go there beside them.
 */
export function seedSql(rowsPerInsert = 1_000): string {
  const statements: string[] = [];
  const insert = (head: string, rows: string[]) => {
    for (let start = 0; start < rows.length; start += rowsPerInsert) {
      statements.push(`${head}\n${rows.slice(start, start + rowsPerInsert).join(",\n")};`);
    }
  };
  const clients: string[] = [];
  for (let client = 0; client < CLIENT_COUNT; client++) {
    clients.push(`('${clientId(client)}','${sessionId(client)}','Bench client ${client}')`);
  }
  insert("INSERT INTO clients (id, session_id, name) VALUES", clients);
  const statuses: string[] = [];
  for (let client = 0; client < CLIENT_COUNT; client++) {
    statuses.push(`('${sessionId(client)}','WORKING',${SESSIONS_WORKING_SINCE},${SESSIONS_WORKING_SINCE})`);
  }
  insert("INSERT INTO sessions (id, status, since, reported_at) VALUES", statuses);
  const conversations: string[] = [];
  for (let index = 0; index < CHAT_COUNT; index++) {
    conversations.push(`('bench-conv-${index}','${chatId(index)}','${clientId(clientOf(index))}')`);
  }
  insert("INSERT INTO conversation (id, chat_id, client_id) VALUES", conversations);
  const aliases: string[] = [];
  for (let index = 0; index < CHAT_COUNT; index++) {
    aliases.push(`('${lidOf(index)}','bench-conv-${index}')`, `('${bsuidOf(index)}','bench-conv-${index}')`);
  }
  insert("INSERT INTO chat_ids (chat_id, conversation_id) VALUES", aliases);
  // The triggers noted every chat for the caches of a Worker that is not running yet: without
  // this, the first write would refresh all of them.
  statements.push("DELETE FROM chat_changes;");
  return `${statements.join("\n")}\n`;
}

/** A small, fast, seeded PRNG (32-bit state, multiply-xorshift output): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The numbers 0 … n-1 in a seeded random order (Fisher–Yates). */
export function shuffledIndices(n: number, random: () => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}

/**
 * `length` draws of a Zipf(s) distribution over ranks 1 … n, by inverse transform on the exact
 * cumulative distribution (P(rank k) ∝ k^-s), returned as 0-based ranks.
 */
export function zipfRanks(n: number, s: number, length: number, random: () => number): Uint32Array {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) {
    total += k ** -s;
    cumulative[k - 1] = total;
  }
  const ranks = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    ranks[i] = low;
  }
  return ranks;
}

/** A replayable stream of chats: `next()` gives the chat of the next request. */
export interface ChatSequence {
  next(): number;
  /** How many chats were handed out so far. */
  readonly position: number;
}

/** Cycles through `chats` in order, for ever. */
export function cycleOf(chats: ArrayLike<number>): ChatSequence {
  let position = 0;
  return {
    next: () => chats[position++ % chats.length] as number,
    get position() {
      return position;
    },
  };
}

/**
 * What no cache can avoid over positions [from, to) of a sequence that cycles through `chats`:
 * - `firstSeen`: requests for a chat never asked before (nor in `alreadyCached`): each must
 *   reach D1 whatever the caches do;
 * - `notRecent`: requests for a chat not asked in the `window` requests before it: what a
 *   cache that forgets after that long must fetch from the tier below.
 */
export function unavoidableMisses(
  chats: ArrayLike<number>,
  from: number,
  to: number,
  alreadyCached: ReadonlySet<number>,
  window: number,
): { firstSeen: number; notRecent: number; requests: number } {
  const lastAsked = new Map<number, number>();
  let firstSeen = 0;
  let notRecent = 0;
  for (let position = 0; position < to; position++) {
    const chat = chats[position % chats.length] as number;
    const previous = lastAsked.get(chat);
    if (position >= from) {
      if (previous === undefined && !alreadyCached.has(chat)) firstSeen++;
      if (previous === undefined || position - previous > window) notRecent++;
    }
    lastAsked.set(chat, position);
  }
  return { firstSeen, notRecent, requests: Math.max(0, to - from) };
}

/** The share of draws that fall on the `top` most frequent ranks, for the report. */
export function zipfTopShare(n: number, s: number, top: number): number {
  let head = 0;
  let total = 0;
  for (let k = 1; k <= n; k++) {
    const weight = k ** -s;
    total += weight;
    if (k <= top) head += weight;
  }
  return head / total;
}

/** The part of a sequence a warm measurement replays, and the chats to look up before it. */
export interface WarmWindow {
  /** The requests of the window, in order (a measured run that outlasts it starts it again). */
  chats: Uint32Array;
  /** Where the window starts in the full sequence. */
  start: number;
  /** The window's distinct chats not in `cached`, in order of first request: to pre-warm. */
  toWarm: number[];
  /** The window's distinct chats, pre-warmed or already cached. */
  distinct: number;
}

/**
 * The `length` requests of `chats` from `start` on, shortened if needed so that no more than
 * `maxToWarm` of its distinct chats are missing from `cached` (pre-warming costs one lookup each).
 */
export function warmWindow(
  chats: ArrayLike<number>,
  start: number,
  length: number,
  cached: ReadonlySet<number>,
  maxToWarm: number,
): WarmWindow {
  const seen = new Set<number>();
  const toWarm: number[] = [];
  let end = start;
  while (end < start + length) {
    const chat = chats[end % chats.length] as number;
    if (!seen.has(chat)) {
      if (!cached.has(chat)) {
        if (toWarm.length >= maxToWarm) break;
        toWarm.push(chat);
      }
      seen.add(chat);
    }
    end++;
  }
  const window = new Uint32Array(end - start);
  for (let i = 0; i < window.length; i++) window[i] = chats[(start + i) % chats.length] as number;
  return { chats: window, start, toWarm, distinct: seen.size };
}

/** The chats at positions [from, to) of a sequence that cycles through `chats`. */
export function chatsAsked(chats: ArrayLike<number>, from: number, to: number): Set<number> {
  const asked = new Set<number>();
  for (let position = from; position < to; position++) asked.add(chats[position % chats.length] as number);
  return asked;
}
