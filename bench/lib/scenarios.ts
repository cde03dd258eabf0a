/**
 * What the bench asks for: the request mixes, all from one seed; what a scenario is; and the KV
 * pre-warm that puts chats in KV (not in memory), as the KV admission rule does for chats that
 * recur, before the scenarios that need them there.
 */

import { DEFAULT_CACHE_POLICY } from "../../src/cache/policy.ts";
import {
  bsuidOf,
  CHAT_COUNT,
  type ChatSequence,
  CLIENT_COUNT,
  chatId,
  clientId,
  clientOf,
  cycleOf,
  lidOf,
  lookupPath,
  seededRandom,
  shuffledIndices,
  zipfRanks,
  zipfTopShare,
} from "./data.ts";
import { readCounters, resetCounters, runAmount, sleep } from "./load.ts";
import type { Settings } from "./settings.ts";

export const ZIPF_EXPONENT = 1.1;
export const HOT_CHATS = 100;
export const KV_CHATS = 1_000;
/** Lookups per batch in the batch scenario: the most a batch may carry. */
export const BATCH_SIZE = 100;
/** The chats the write scenarios link to another client and back. */
export const WRITE_CHATS = 10_000;
const ZIPF_SEQUENCE_LENGTH = 400_000;
const SEED = 20_240_611;

/** One measured mix: what it sends, and the status every answer should have. */
export interface Scenario {
  name: string;
  /** What `--scenarios` selects it by (the standard run's scenarios). */
  group?: string;
  what: string;
  expectedStatus: number;
  headers: Record<string, string>;
  nextPath: () => string;
  /** The body of the next request, for a POST (batches). */
  nextBody?: () => string;
  /** Lookups per request: 1, or a batch's size. */
  itemsPerRequest?: number;
  /** Concurrent connections, when not the run's. */
  connections?: number;
  /** Exactly this many requests, all measured (no warm-up), instead of the run's duration. */
  requests?: number;
  /** The chats the scenario asks for, when it replays a known sequence. */
  sequence?: ChatSequence;
  /** Work before the scenario's warm-up (after the baseline before it), such as pre-warming. */
  prepare?: () => Promise<void>;
  /** Work once it is measured, before the baseline after it (putting back what `prepare` changed). */
  finish?: () => Promise<void>;
  /** The method of a request with a body: POST unless given. */
  method?: "POST" | "PUT";
}

/**
 * Which ids a lookup of a person carries: the phone-number id (`N@c.us`), the LID (`N@lid`), the
 * LID with the phone-number id as `alt` (a message that carried both), or the Cloud API's
 * business-scoped user id (`CC.X`).
 */
export type IdForm = "phone" | "lid" | "lid+alt" | "bsuid";

/** The `chatId` and `alt` of a lookup of conversation `index` in `form`. */
function lookupIds(index: number, form: IdForm): { chatId: string; alt?: string } {
  if (form === "phone") return { chatId: chatId(index) };
  if (form === "lid") return { chatId: lidOf(index) };
  if (form === "bsuid") return { chatId: bsuidOf(index) };
  return { chatId: lidOf(index), alt: chatId(index) };
}

/**
 * Lookups of the chats of `sequence`, in its order, by the ids of `form`; with `includeSession`,
 * each asks for its session's status too (`include=session`).
 */
export function lookupsOf(
  sequence: ChatSequence,
  form: IdForm = "phone",
  includeSession = false,
): Pick<Scenario, "nextPath" | "sequence"> {
  return {
    sequence,
    nextPath: () => {
      const { chatId, alt } = lookupIds(sequence.next(), form);
      return lookupPath(chatId, alt, includeSession);
    },
  };
}

/** Batches of `size` lookups of the chats of `sequence`, in its order, by the ids of `form`. */
export function batchesOf(
  sequence: ChatSequence,
  size: number,
  form: IdForm = "phone",
): Pick<Scenario, "nextPath" | "nextBody" | "sequence" | "itemsPerRequest"> {
  return {
    sequence,
    itemsPerRequest: size,
    nextPath: () => "/api/clients/view/batch",
    nextBody: () =>
      JSON.stringify({ lookups: Array.from({ length: size }, () => lookupIds(sequence.next(), form)) }),
  };
}

/**
 * Writes that each change a chat's client: `PUT /api/conversations/{chat}` over `sequence`, each
 * chat moved to the next client on one pass and back to its own on the next, so that every write
 * changes a row (and records its event).
 */
export function linkWritesOf(
  sequence: ChatSequence,
): Pick<Scenario, "nextPath" | "nextBody" | "sequence" | "method"> {
  const moved = new Set<number>();
  let chat = 0;
  return {
    sequence,
    method: "PUT",
    nextPath: () => {
      chat = sequence.next();
      return `/api/conversations/${encodeURIComponent(chatId(chat))}`;
    },
    nextBody: () => {
      const away = !moved.has(chat);
      if (away) moved.add(chat);
      else moved.delete(chat);
      const client = (clientOf(chat) + (away ? 1 : 0)) % CLIENT_COUNT;
      return JSON.stringify({ client_id: clientId(client) });
    },
  };
}

/** The chats of the hot and KV sets, and the Zipf sequence (indices of conversations). */
export interface Mixes {
  hot: Uint32Array;
  kv: Uint32Array;
  zipf: Uint32Array;
  /** The chats the writes move, apart from the hot and KV sets. */
  writes: Uint32Array;
  zipfTop100Share: number;
}

/** Every chat the bench asks for, from one seed: the same mixes on every run. */
export function buildMixes(): Mixes {
  const random = seededRandom(SEED);
  const order = shuffledIndices(CHAT_COUNT, random);
  // Zipf ranks land on chats through another permutation: the most asked-for chats are
  // scattered over the table, not its first rows.
  const zipfOrder = shuffledIndices(CHAT_COUNT, random);
  const ranks = zipfRanks(CHAT_COUNT, ZIPF_EXPONENT, ZIPF_SEQUENCE_LENGTH, random);
  return {
    hot: order.slice(0, HOT_CHATS),
    kv: order.slice(HOT_CHATS, HOT_CHATS + KV_CHATS),
    zipf: ranks.map((rank) => zipfOrder[rank] as number),
    writes: order.slice(CHAT_COUNT - WRITE_CHATS),
    zipfTop100Share: zipfTopShare(CHAT_COUNT, ZIPF_EXPONENT, 100),
  };
}

/** What a KV pre-warm did. */
export interface Prewarm {
  seconds: number;
  /** Chats whose first lookup of the pre-warm was answered from KV: in KV already. */
  inKvAlready: number;
  /** KV writes the pre-warm's lookups made (the admission rule's). */
  kvWrites: number;
}

// Chats pre-warmed together: each is missed once per pass over its chunk, so that a chat's misses
// are one chunk's passes apart (some seconds), well within the admission window.
const PREWARM_CHUNK = 250;

/**
 * Puts the chats in KV (not in memory) as the app's KV admission rule does for chats that recur
 * at a location (src/cache/kv-admission.ts): each is looked up, by the ids of `form` and
 * with the memory tier off, {@link DEFAULT_CACHE_POLICY}'s `missesBeforeWrite` times within its
 * admission window, so that its last miss earns the KV write. A chat already in KV answers from
 * it and needs none. The misses of a chat are a chunk's passes apart, and the time each chunk
 * took is checked against the window. With `includeSession`, each lookup asks for its session's
 * status too, which the same rule puts in KV at its session's second miss.
 */
export async function prewarmKv(
  url: string,
  token: string,
  chats: readonly number[],
  settings: Settings,
  label = "pre-warmed KV",
  form: IdForm = "phone",
  includeSession = false,
): Promise<Prewarm> {
  const started = performance.now();
  const { missesBeforeWrite, windowMs } = DEFAULT_CACHE_POLICY.lookups.kv.admission;
  if (chats.length === 0) {
    console.log(`  ${label.padEnd(22)} nothing to do: no chat to pre-warm`);
    return { seconds: 0, inKvAlready: 0, kvWrites: 0 };
  }
  const pass = (chunk: readonly number[]) =>
    runAmount(
      {
        url,
        connections: Math.min(16, settings.connections),
        headers: { Authorization: `Bearer ${token}`, "x-bench-memory": "off" },
        nextPath: lookupsOf(cycleOf(chunk), form, includeSession).nextPath,
      },
      chunk.length,
    );
  let lookups = 0;
  let inKvAlready = 0;
  let kvWrites = 0;
  let notAdmitted = 0;
  let slowestChunkMs = 0;
  for (let start = 0; start < chats.length; start += PREWARM_CHUNK) {
    const chunk = chats.slice(start, start + PREWARM_CHUNK);
    const chunkStarted = performance.now();
    for (let miss = 1; miss <= missesBeforeWrite; miss++) {
      await resetCounters(url);
      await pass(chunk);
      // The KV writes run after the answers (waitUntil).
      if (miss === missesBeforeWrite) await sleep(500);
      const counted = await readCounters(url);
      lookups += counted.lookups;
      kvWrites += counted.kv.writes;
      if (miss === 1) inKvAlready += counted.byTier.kv?.lookups ?? 0;
      // A lookup the last pass answered from D1 missed KV once more: each must have written its id(s).
      // (Not counted for sessions, which chats share: one write serves several lookups.)
      if (miss === missesBeforeWrite && !includeSession) {
        notAdmitted += Math.max(0, (counted.byTier.d1?.lookups ?? 0) - counted.kv.writes);
      }
    }
    slowestChunkMs = Math.max(slowestChunkMs, performance.now() - chunkStarted);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  ${label.padEnd(22)} ${chats.length} chats × ${missesBeforeWrite} misses: ${lookups} lookups, ${inKvAlready} chats in KV already, ${kvWrites} KV writes in ${seconds.toFixed(1)} s`,
  );
  if (notAdmitted > 0) {
    console.warn(
      `  warning: ${notAdmitted} chats missed KV ${missesBeforeWrite} times and were not written to it`,
    );
  }
  if (slowestChunkMs > windowMs) {
    console.warn(
      `  warning: a chunk of ${PREWARM_CHUNK} chats took ${(slowestChunkMs / 1000).toFixed(1)} s, longer than the admission window (${windowMs / 1000} s): some misses fell outside it`,
    );
  }
  return { seconds, inKvAlready, kvWrites };
}
