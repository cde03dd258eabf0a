/**
 * The warm Zipf window (a later stretch of the Zipf sequence whose chats are all put in KV first,
 * as the KV admission rule does for chats that recur at a location: steady state), and the floors
 * no cache can go below in a Zipf run: requests for chats never asked before, and for chats not
 * asked within the memory tier's TTL.
 */
import { DEFAULT_CACHE_POLICY } from "../../src/cache/policy.ts";
import { unavoidableMisses, type WarmWindow, warmWindow } from "./data.ts";
import type { Measured } from "./measure.ts";
import { prewarmKv } from "./scenarios.ts";
import type { Settings } from "./settings.ts";

// The warm Zipf window: each of its chats is missed twice (the admission rule) before it, the
// first a KV miss and a D1 query, the second the same and a KV write (a chat already in KV: two
// KV reads). At most this many chats, then (some 15 s quiet, a minute or more busy); a window
// cut short by it is replayed from its start.
const WARM_MAX_PREWARM = 1_000;
// How much longer than the warm run's expected requests (warm-up + measured) its window is.
const WARM_WINDOW_MARGIN = 1.25;

/** What the warm Zipf run replayed, and how its chats got into KV. */
export interface WarmInfo {
  window: WarmWindow;
  /** Distinct chats of the window that were in KV already when pre-warmed (earlier runs put them there). */
  alreadyCached: number;
  prewarmSeconds: number;
  /** Requests the warm run sent (warm-up and measured), and whether it started the window again. */
  sent: number;
}

/**
 * The warm window after position `start` of the Zipf sequence: some `expectedRequests` ×
 * {@link WARM_WINDOW_MARGIN} requests (fewer if more than {@link WARM_MAX_PREWARM} distinct chats);
 * every distinct chat of it is missed as often, within the admission window, as the KV admission
 * rule asks before a KV write ({@link prewarmKv}), so that all of them sit in KV when the window
 * starts. Which chats earlier runs put in KV is not assumed: those answer the pre-warm from KV.
 */
export async function prepareWarmWindow(
  url: string,
  token: string,
  settings: Settings,
  zipf: Uint32Array,
  start: number,
  expectedRequests: number,
): Promise<Omit<WarmInfo, "sent">> {
  const length = Math.max(500, Math.ceil(expectedRequests * WARM_WINDOW_MARGIN));
  const window = warmWindow(zipf, start, length, new Set(), WARM_MAX_PREWARM);
  if (window.chats.length < length) {
    console.log(
      `  warm window            ${window.chats.length} requests, not ${length}: more would need over ${WARM_MAX_PREWARM} chats pre-warmed`,
    );
  }
  const prewarm = await prewarmKv(url, token, window.toWarm, settings, "pre-warmed zipf window");
  return { window, alreadyCached: prewarm.inKvAlready, prewarmSeconds: prewarm.seconds };
}

function ordinal(n: number): string {
  return ["zeroth", "first", "second", "third", "fourth"][n] ?? `${n}th`;
}

/** "once", "twice", "3 times": how often the pre-warm misses each chat, in words. */
export function timesInWords(n: number): string {
  return ["never", "once", "twice"][n] ?? `${n} times`;
}

/**
 * What "warm" means, for the reports: the steady state the KV admission rule leads to for chats
 * that recur at a location, and how the pre-warm reaches it.
 */
export function warmMeaning(kvTtlSeconds: number): string {
  const { missesBeforeWrite, windowMs } = DEFAULT_CACHE_POLICY.lookups.kv.admission;
  return `**Warm** means the steady state for chats that recur at a location. A lookup puts a chat's answer in KV only at the chat's ${ordinal(missesBeforeWrite)} miss at that instance within ${windowMs / 1000} s (the KV admission rule, \`DEFAULT_CACHE_POLICY\` in src/cache/policy.ts): a chat asked once is never in KV, a chat that recurs is. Every chat the measured window asks for was missed ${timesInWords(missesBeforeWrite)} within that admission window, and within the KV TTL (\`CACHE_TTL_SECONDS\` = ${kvTtlSeconds} s), before the window starts (lookups with the memory tier off), so its answer sits in KV; memory is not pre-filled (the pre-warm bypasses it) and fills during the warm-up. Chats asked once, which stay out of KV, are what the cold row shows.`;
}

/** What no cache can avoid in a measured Zipf run. */
export interface ZipfFloors {
  /** Per 1,000 lookups: requests for chats never asked before, nor pre-warmed (must read D1). */
  firstSeenPerK: number;
  /** Per 1,000 lookups: requests for chats not asked within the memory TTL (must read KV). */
  notRecentPerK: number;
  memoryWindow: number;
}

/** The floors of the cold and the warm Zipf runs (`null`: not run), for the report. */
export interface ZipfReport {
  cold: ZipfFloors | null;
  warm: (ZipfFloors & WarmInfo) | null;
}

/** How much of its window a warm run used, for the report. */
export function windowUse(sent: number, windowLength: number): string {
  return sent > windowLength
    ? ` (the run sent ${sent.toLocaleString("en")} requests, warm-up and measured, so went through the window more than once: every request still asked for a pre-warmed chat)`
    : ` (the run sent ${sent.toLocaleString("en")} of them, warm-up and measured)`;
}

/** The floors of a measured Zipf run, over the sequence `chats` it replayed. */
export function zipfFloors(
  chats: ArrayLike<number>,
  run: Measured,
  cached: ReadonlySet<number>,
  memoryTtlMs: number,
): ZipfFloors {
  const memoryWindow = Math.round((run.load.requestsPerSecond * memoryTtlMs) / 1000);
  const misses = unavoidableMisses(chats, run.from, run.to, cached, memoryWindow);
  const perK = (count: number) => (misses.requests === 0 ? 0 : (count * 1000) / misses.requests);
  return { firstSeenPerK: perK(misses.firstSeen), notRecentPerK: perK(misses.notRecent), memoryWindow };
}
