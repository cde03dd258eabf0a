/**
 * The warm Zipf window (a later stretch of the Zipf sequence whose chats are all put in KV first,
 * as in steady state), and the floors no cache can go below in a Zipf run: requests for chats
 * never asked before, and for chats not asked within the memory tier's TTL.
 */
import { unavoidableMisses, type WarmWindow, warmWindow } from "./data.ts";
import type { Measured } from "./measure.ts";
import { prewarmKv } from "./scenarios.ts";
import type { Settings } from "./settings.ts";

// The warm Zipf window: its chats are looked up once before it, every one a KV miss, a D1 query
// and a KV write: 145 lookups a second on this machine when quiet, under 80 when busy. At most
// this many, then (7 s quiet, 13 s busy); a window cut short by it is replayed from its start.
const WARM_MAX_PREWARM = 1_000;
// How much longer than the warm run's expected requests (warm-up + measured) its window is.
const WARM_WINDOW_MARGIN = 1.25;

/** What the warm Zipf run replayed, and how its chats got into KV. */
export interface WarmInfo {
  window: WarmWindow;
  /** Distinct chats of the window already in KV from earlier in the run (not looked up again). */
  alreadyCached: number;
  prewarmSeconds: number;
  /** Requests the warm run sent (warm-up and measured), and whether it started the window again. */
  sent: number;
}

/**
 * The warm window after position `start` of the Zipf sequence: some `expectedRequests` ×
 * {@link WARM_WINDOW_MARGIN} requests (fewer if more than {@link WARM_MAX_PREWARM} of its chats
 * would need pre-warming); every distinct chat of it not in `cached` is looked up once, memory
 * off, so that all of them sit in KV when the window starts.
 */
export async function prepareWarmWindow(
  url: string,
  token: string,
  settings: Settings,
  zipf: Uint32Array,
  start: number,
  expectedRequests: number,
  cached: ReadonlySet<number>,
): Promise<Omit<WarmInfo, "sent">> {
  const length = Math.max(500, Math.ceil(expectedRequests * WARM_WINDOW_MARGIN));
  const window = warmWindow(zipf, start, length, cached, WARM_MAX_PREWARM);
  if (window.chats.length < length) {
    console.log(
      `  warm window            ${window.chats.length} requests, not ${length}: more would need over ${WARM_MAX_PREWARM} chats pre-warmed`,
    );
  }
  const prewarmSeconds = await prewarmKv(url, token, window.toWarm, settings, "pre-warmed zipf window");
  return { window, alreadyCached: window.distinct - window.toWarm.length, prewarmSeconds };
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
