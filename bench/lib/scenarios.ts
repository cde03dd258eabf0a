/**
 * What the bench asks for: the request mixes, all from one seed; what a scenario is; and the KV
 * pre-warm that puts chats in KV (not in memory) before the scenarios that need them there.
 */
import {
  CHAT_COUNT,
  type ChatSequence,
  chatId,
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
  /** The chats the scenario asks for, when it replays a known sequence. */
  sequence?: ChatSequence;
  /** Work before the scenario's warm-up (after the baseline before it), such as pre-warming. */
  prepare?: () => Promise<void>;
}

/**
 * Which ids a lookup of a person carries: the phone-number id (`N@c.us`), the LID (`N@lid`), or
 * the LID with the phone-number id as `alt`, as a message that carried both.
 */
export type IdForm = "phone" | "lid" | "lid+alt";

/** The `chatId` and `alt` of a lookup of conversation `index` in `form`. */
function lookupIds(index: number, form: IdForm): { chatId: string; alt?: string } {
  if (form === "phone") return { chatId: chatId(index) };
  if (form === "lid") return { chatId: lidOf(index) };
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

/** The chats of the hot and KV sets, and the Zipf sequence (indices of conversations). */
export interface Mixes {
  hot: Uint32Array;
  kv: Uint32Array;
  zipf: Uint32Array;
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
    zipfTop100Share: zipfTopShare(CHAT_COUNT, ZIPF_EXPONENT, 100),
  };
}

/** What a pre-warm asks for besides the ids, and how many KV writes it should see. */
export interface PrewarmOptions {
  /** Ask for each chat's session status too (`include=session`). */
  includeSession?: boolean;
  /** Warn below this many KV writes (default: one per chat). */
  expectedKvWrites?: number;
}

/**
 * One lookup of each chat, by the ids of `form`, with the memory tier off, so that each id lands
 * in KV (not in memory). Returns how long it took, in seconds.
 */
export async function prewarmKv(
  url: string,
  token: string,
  chats: readonly number[],
  settings: Settings,
  label = "pre-warmed KV",
  form: IdForm = "phone",
  options: PrewarmOptions = {},
): Promise<number> {
  const started = performance.now();
  if (chats.length === 0) {
    console.log(`  ${label.padEnd(22)} nothing to do: every chat is in KV already`);
    return 0;
  }
  await resetCounters(url);
  await runAmount(
    {
      url,
      connections: Math.min(16, settings.connections),
      headers: { Authorization: `Bearer ${token}`, "x-bench-memory": "off" },
      nextPath: lookupsOf(cycleOf(chats), form, options.includeSession).nextPath,
    },
    chats.length,
  );
  // The cache writes run after the answers (waitUntil).
  await sleep(500);
  const warmed = await readCounters(url);
  const took = (performance.now() - started) / 1000;
  console.log(
    `  ${label.padEnd(22)} ${warmed.lookups} lookups, ${warmed.kv.writes} KV writes in ${took.toFixed(1)} s`,
  );
  const expected = options.expectedKvWrites ?? chats.length;
  if (warmed.kv.writes < expected) {
    console.warn(`  warning: expected ${expected} KV writes while pre-warming, counted ${warmed.kv.writes}`);
  }
  return took;
}
