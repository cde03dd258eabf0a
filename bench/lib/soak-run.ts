/**
 * `npm run bench -- --soak [--soak-minutes N]`: a long run of mixed traffic at a fixed rate (hot,
 * Zipf and unknown-chat lookups, and a few writes a second), with the server's resident memory
 * and the lookups' latency sampled every 10 s, then bench/results/soak.md and soak.svg.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AppSettings } from "./app-config.ts";
import {
  CHAT_COUNT,
  CLIENT_COUNT,
  chatId,
  clientId,
  cycleOf,
  lookupPath,
  seededRandom,
  sessionId,
  unknownChatId,
} from "./data.ts";
import type { BenchTokens } from "./database.ts";
import { IsolateHeap } from "./inspector.ts";
import { readCounters, resetCounters, startLoad } from "./load.ts";
import { RESULTS_DIR } from "./report.ts";
import { buildMixes, HOT_CHATS } from "./scenarios.ts";
import { type DevServer, serverLogSummary, workerdRss } from "./server.ts";
import type { Settings } from "./settings.ts";
import { type SoakControl, type SoakWindow, soakMarkdown, soakSvg } from "./soak-report.ts";

/** How long the `/health` control run before the soak lasts. */
const CONTROL_SECONDS = 60;
/** How often memory and latency are sampled. */
const WINDOW_SECONDS = 10;
/** Writes a second, beside the lookups: relink or create a conversation, now and then move a client. */
const WRITES_PER_SECOND = 3;
/** Every this many writes, one moves a client to another session (one per 10 s at 3 writes/s). */
const CLIENT_WRITE_EVERY = 30;
/** The lookup mix: the share of each kind, the rest unknown chats. */
const SOAK_MIX = { hot: 0.3, zipf: 0.6 } as const;
// Chats the soak's writes create, from a range no other chat id uses.
const NEW_CHAT_BASE = 493_500_000_000;
const SOAK_SEED = 20_261_129;

/** The lookup requests: hot, Zipf (the standard run's sequence) or unknown, drawn from a seeded PRNG. */
function lookupMix(): () => string {
  const mixes = buildMixes();
  const random = seededRandom(SOAK_SEED);
  const hot = cycleOf(mixes.hot);
  const zipf = cycleOf(mixes.zipf);
  let unknown = 0;
  return () => {
    const draw = random();
    if (draw < SOAK_MIX.hot) return lookupPath(chatId(hot.next()));
    if (draw < SOAK_MIX.hot + SOAK_MIX.zipf) return lookupPath(chatId(zipf.next()));
    return lookupPath(unknownChatId(unknown++));
  };
}

/**
 * The write requests: an existing conversation linked to another client and a new conversation,
 * in turn, and every {@link CLIENT_WRITE_EVERY}th a client moved to a new session instead. A
 * client's move changes the answer of each of its ~100 conversations' two ids: some 200 KV
 * writes, and as many again in its settle pass, which the local KV simulation takes seconds to
 * absorb; the others change one or two ids. `path()` picks the next one, `body()` gives its body.
 */
function writeMix(): { path: () => string; body: () => string } {
  const random = seededRandom(SOAK_SEED + 1);
  let serial = 0;
  let body = "";
  return {
    path: () => {
      serial++;
      const client = Math.floor(random() * CLIENT_COUNT);
      if (serial % CLIENT_WRITE_EVERY === 0) {
        body = JSON.stringify({ session_id: `${sessionId(client)}-soak-${serial}` });
        return `/api/clients/${clientId(client)}`;
      }
      body = JSON.stringify({ client_id: clientId(client) });
      const chat =
        serial % 2 === 0 ? chatId(Math.floor(random() * CHAT_COUNT)) : `${NEW_CHAT_BASE + serial}@c.us`;
      return `/api/conversations/${encodeURIComponent(chat)}`;
    },
    body: () => body,
  };
}

/** The value at quantile `q` of `values` (nearest rank); 0 for none. */
function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** Answers seen since the last window closed, and in all. */
class WindowTally {
  // Latencies in ms, as autocannon measures them (fractions of a ms).
  lookups: number[] = [];
  writes: number[] = [];
  errors = 0;
  /** Requests answered since the soak started. */
  answered = 0;
  /** The isolate's heap in use, sampled every second: its lowest (after a collection) and highest, KiB. */
  heapMinKiB: number | null = null;
  heapMaxKiB: number | null = null;

  /** One heap sample. */
  async sampleHeap(heap: IsolateHeap): Promise<void> {
    const usage = await heap.usage();
    if (usage === null) return;
    const kib = usage.usedBytes / 1024;
    this.heapMinKiB = Math.min(this.heapMinKiB ?? kib, kib);
    this.heapMaxKiB = Math.max(this.heapMaxKiB ?? kib, kib);
  }

  close(at: number, server: DevServer): SoakWindow {
    const rss = workerdRss(server);
    const window: SoakWindow = {
      endSeconds: at,
      lookups: this.lookups.length,
      p50Ms: Math.round(quantile(this.lookups, 0.5)),
      p99Ms: Math.round(quantile(this.lookups, 0.99)),
      writes: this.writes.length,
      writeP50Ms: Math.round(quantile(this.writes, 0.5)),
      writeMaxMs: Math.round(quantile(this.writes, 1)),
      errors: this.errors,
      answered: this.answered,
      rssWorkerKiB: rss?.worker ?? null,
      rssAllKiB: rss?.all ?? null,
      heapMinKiB: this.heapMinKiB,
      heapMaxKiB: this.heapMaxKiB,
      loadAverage: loadavg()[0] ?? 0,
    };
    this.lookups = [];
    this.writes = [];
    this.errors = 0;
    this.heapMinKiB = null;
    this.heapMaxKiB = null;
    return window;
  }
}

/** The Worker's workerd RSS when idle: the median of a few samples a second apart, KiB. */
async function idleRss(server: DevServer): Promise<number | null> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const rss = workerdRss(server)?.worker;
    if (rss !== null && rss !== undefined) samples.push(rss);
    await sleep(1_000);
  }
  return samples.length === 0 ? null : quantile(samples, 0.5);
}

/**
 * The runtime's own growth: `GET /health` (no storage, nothing cached) at `rate` for
 * {@link CONTROL_SECONDS}, and how much the Worker's workerd RSS grew per request.
 */
async function controlRun(server: DevServer, settings: Settings, rate: number): Promise<SoakControl> {
  const before = await idleRss(server);
  const result = await startLoad(
    { url: server.url, connections: settings.connections, headers: {}, nextPath: () => "/health", rate },
    CONTROL_SECONDS,
    () => undefined,
  ).done;
  await sleep(1_000);
  const after = workerdRss(server)?.worker ?? null;
  return {
    idleRssKiB: before,
    afterRssKiB: after,
    requests: result.completed,
    seconds: CONTROL_SECONDS,
    kibPerRequest:
      before === null || after === null || result.completed === 0
        ? null
        : (after - before) / result.completed,
  };
}

/** Runs the soak, prints a line per window, and writes bench/results/soak.md and soak.svg. */
export async function soakRun(
  server: DevServer,
  settings: Settings,
  tokens: BenchTokens,
  app: AppSettings,
): Promise<void> {
  const { url } = server;
  const seconds = Math.round(settings.soakMinutes * 60);
  const rate = settings.rate ?? 50;
  const heap = await IsolateHeap.connect(server);
  if (heap === null) console.warn("warning: the Worker isolate's inspector was not found: no heap figures");
  const startHeap = await heap?.usage();
  const control = await controlRun(server, settings, rate);
  const load = `autocannon in the same process, ${settings.soakMinutes} min of ${rate} lookups/s over ${settings.connections} connections (${SOAK_MIX.hot * 100}% the ${HOT_CHATS} hot chats, ${SOAK_MIX.zipf * 100}% the Zipf sequence, the rest unknown chats) and ${WRITES_PER_SECOND} writes/s over 2 (in turn PUT an existing conversation's client and PUT a new conversation; every ${CLIENT_WRITE_EVERY}th instead PUT a client's session, which changes ~200 ids' answers), sampled every ${WINDOW_SECONDS} s`;
  const mibText = (kib: number | null | undefined) =>
    kib === null || kib === undefined ? "?" : (kib / 1024).toFixed(1);
  console.log(
    `\nSoak: ${load}\n  the Worker's workerd idled at ${mibText(control.idleRssKiB)} MiB (isolate heap ${mibText(startHeap && startHeap.usedBytes / 1024)} MiB); ${control.requests} GET /health in ${CONTROL_SECONDS} s took it to ${mibText(control.afterRssKiB)} MiB: ${control.kibPerRequest?.toFixed(1) ?? "?"} KiB per request, the runtime's own`,
  );
  await resetCounters(url);
  const tally = new WindowTally();
  const writes = writeMix();
  const lookupLoad = startLoad(
    {
      url,
      connections: settings.connections,
      headers: { Authorization: `Bearer ${tokens.read}` },
      nextPath: lookupMix(),
      rate,
    },
    seconds,
    (status, latencyMs) => {
      tally.lookups.push(latencyMs);
      tally.answered++;
      if (status !== 200 && status !== 404) tally.errors++;
    },
  );
  const writeLoad = startLoad(
    {
      url,
      connections: 2,
      headers: { Authorization: `Bearer ${tokens.write}`, "Content-Type": "application/json" },
      nextPath: writes.path,
      nextBody: writes.body,
      method: "PUT",
      rate: WRITES_PER_SECOND,
    },
    seconds,
    (status, latencyMs) => {
      tally.writes.push(latencyMs);
      tally.answered++;
      if (status !== 200) tally.errors++;
    },
  );
  const started = performance.now();
  const windows: SoakWindow[] = [];
  // The heap swings with each collection: its lowest point in a window is what stays alive.
  const heapSampler = heap === null ? undefined : setInterval(() => void tally.sampleHeap(heap), 1_000);
  const sampler = setInterval(() => {
    const window = tally.close(Math.round((performance.now() - started) / 1000), server);
    windows.push(window);
    console.log(
      `  ${String(window.endSeconds).padStart(4)} s  ${window.lookups} lookups  p50 ${window.p50Ms} ms  p99 ${window.p99Ms} ms  writes ${window.writes} (max ${window.writeMaxMs} ms)  errors ${window.errors}  workerd RSS ${mibText(window.rssWorkerKiB)} MiB  heap ${mibText(window.heapMinKiB)}-${mibText(window.heapMaxKiB)} MiB  load ${window.loadAverage.toFixed(2)}`,
    );
  }, WINDOW_SECONDS * 1_000);
  let lookupResult: Awaited<typeof lookupLoad.done>;
  let writeResult: Awaited<typeof writeLoad.done>;
  try {
    [lookupResult, writeResult] = await Promise.all([lookupLoad.done, writeLoad.done]);
  } finally {
    clearInterval(sampler);
    clearInterval(heapSampler);
  }
  // Cache writes and settle passes run after the answers.
  await sleep(2_000);
  heap?.close();
  const counters = await readCounters(url);
  const logLines = serverLogSummary(server.options.logPath);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const report = {
    load,
    windows,
    control,
    startHeapKiB: startHeap ? startHeap.usedBytes / 1024 : null,
    settings,
    lookupResult,
    writeResult,
    counters,
    logLines,
    app,
  };
  writeFileSync(join(RESULTS_DIR, "soak.md"), soakMarkdown(report));
  writeFileSync(join(RESULTS_DIR, "soak.svg"), soakSvg(report));
  console.log("\nWrote bench/results/soak.md and bench/results/soak.svg");
}
