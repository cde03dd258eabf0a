/**
 * The scenarios of `npm run bench`, in the order they run: the memory, KV and D1 tiers by
 * phone-number id, by LID and by business-scoped user id, the memory tier with the session's status, the KV set in batches,
 * unknown chats, the Zipf mix cold, warm, and warm with the KV tier or both caches off,
 * no-cache batches of unknown ids (abuse.ts), and writes with events recorded and without; with
 * the KV pre-warm they need, and the Zipf floors of the report.
 */
import type { D1Target } from "../../scripts/lib/wrangler.ts";
import { DEFAULT_CACHE_POLICY } from "../../src/cache/policy.ts";
import { abuseScenario } from "./abuse.ts";
import type { AppSettings } from "./app-config.ts";
import {
  CHAT_COUNT,
  type ChatSequence,
  chatId,
  clientOf,
  cycleOf,
  lookupPath,
  unknownChatId,
} from "./data.ts";
import { recordingOff } from "./events-switch.ts";
import { sleep } from "./load.ts";
import type { Measured } from "./measure.ts";
import {
  BATCH_SIZE,
  batchesOf,
  buildMixes,
  HOT_CHATS,
  KV_CHATS,
  linkWritesOf,
  lookupsOf,
  type Mixes,
  prewarmKv,
  type Scenario,
  WRITE_CHATS,
  ZIPF_EXPONENT,
} from "./scenarios.ts";
import type { Settings } from "./settings.ts";
import { prepareWarmWindow, timesInWords, type WarmInfo, type ZipfReport, zipfFloors } from "./warm-zipf.ts";

/** What the standard run measures, and what it needs before and after. */
export interface StandardPlan {
  baseline: Scenario;
  /** The scenarios `--scenarios` selected, in order. */
  scenarios: Scenario[];
  /** Puts the hot and KV sets in KV, by phone-number id, LID and BSUID, where a selected scenario needs them. */
  prewarm(): Promise<void>;
  /** The Zipf runs' floors, once they ran (`runOf` finds a measured run by scenario name). */
  zipfReport(runOf: (name: string) => Measured | undefined): ZipfReport;
}

const memoryOff = { "x-bench-memory": "off" };

/**
 * The plan of a standard run against `url`. `baselineRates` fills as the baselines run: the warm
 * Zipf window is sized from the best rate seen by then.
 */
export function standardPlan(
  url: string,
  tokens: { read: string; write: string },
  settings: Settings,
  app: AppSettings,
  baselineRates: readonly number[],
  database: D1Target,
): StandardPlan {
  const token = tokens.read;
  const mixes: Mixes = buildMixes();
  const writeHeaders = { Authorization: `Bearer ${tokens.write}`, "Content-Type": "application/json" };
  // One sequence for both write runs: the second goes on where the first stopped.
  const writes = linkWritesOf(cycleOf(mixes.writes));
  let restoreRecording: (() => void) | undefined;
  const wanted = (group: string) => settings.scenarios === null || settings.scenarios.has(group);
  let unknownSerial = 0;
  // The hot and KV sets go into KV (not memory) before the scenarios, as the admission rule puts
  // chats that recur there (prewarmKv).
  const phoneSet = [...mixes.hot, ...mixes.kv];
  const hotSessions = new Set([...mixes.hot].map(clientOf)).size;
  const zipfMix = `Zipf(s=${ZIPF_EXPONENT}) over all ${CHAT_COUNT.toLocaleString("en")} chats, a seeded sequence replayed in order (the top 100 chats take ${(mixes.zipfTop100Share * 100).toFixed(0)}% of requests)`;
  const zipfCold = cycleOf(mixes.zipf);
  // Batches in flight at once cover connections × BATCH_SIZE chats of the KV set's cycle; the
  // next batch takes the chats of the one that just finished, whose load is over.
  const batchConnections = Math.max(1, Math.min(settings.connections, Math.floor(KV_CHATS / BATCH_SIZE) - 1));

  // The warm run: the sequence continued after the cold run, over a window whose chats are all
  // put in KV first, as chats that recur. Prepared only once the cold run has shown where the
  // sequence stands.
  let warm: Omit<WarmInfo, "sent"> | undefined;
  let warmCached = new Set<number>();
  // Each run over the window replays it from its start.
  const windowRun = (scenario: Scenario): Scenario => {
    let sequence: ChatSequence | undefined;
    const prepare = scenario.prepare;
    const run: Scenario = {
      ...scenario,
      nextPath: () => {
        if (sequence === undefined) throw new Error("the warm Zipf window was not prepared");
        return lookupPath(chatId(sequence.next()));
      },
      prepare: async () => {
        await prepare?.();
        if (warm === undefined) throw new Error("the warm Zipf window was not prepared");
        sequence = cycleOf(warm.window.chats);
        run.sequence = sequence;
      },
    };
    return run;
  };
  const warmScenario = windowRun({
    name: "zipf (warm)",
    group: "zipf",
    what: "",
    expectedStatus: 200,
    headers: {},
    nextPath: () => "",
    prepare: async () => {
      const start = zipfCold.position;
      // The ceiling seen so far: no lookup mix is answered faster than `/health`.
      const ceiling = Math.max(...baselineRates);
      const expected = ceiling * (settings.warmupSeconds + settings.durationSeconds);
      warm = await prepareWarmWindow(url, token, settings, mixes.zipf, start, expected);
      warmCached = new Set(warm.window.toWarm);
      const { missesBeforeWrite, windowMs } = DEFAULT_CACHE_POLICY.lookups.kv.admission;
      warmScenario.what = `The same mix, continued after the cold run: a window of ${warm.window.chats.length.toLocaleString("en")} requests (from position ${warm.window.start.toLocaleString("en")} of the sequence) whose ${warm.window.distinct.toLocaleString("en")} distinct chats were each looked up ${timesInWords(missesBeforeWrite)} within the KV admission window (${windowMs / 1000} s), memory tier off, just before (in ${warm.prewarmSeconds.toFixed(1)} s; ${warm.alreadyCached.toLocaleString("en")} answered from KV already, put there by earlier runs), so every one sits in KV as the admission rule puts a chat that recurs at a location: the steady state for chats that recur, every one asked again within the KV TTL (${app.kvTtlSeconds} s). Memory is not pre-filled (the pre-warm bypasses it) and fills during the warm-up.`;
    },
  });

  const all: Scenario[] = [
    {
      name: "hot",
      group: "hot",
      what: `${HOT_CHATS} chats, already in KV, asked again and again: the memory tier's case.`,
      expectedStatus: 200,
      headers: {},
      ...lookupsOf(cycleOf(mixes.hot)),
    },
    {
      name: "hot (LID+alt)",
      group: "alias",
      what: `The same ${HOT_CHATS} chats by their LID, with the phone-number id as \`alt\` (both ids in KV beforehand); started one \`MEMORY_CACHE_TTL_MS\` after \`hot\`, so that neither id is in memory, as for \`hot\`.`,
      expectedStatus: 200,
      headers: {},
      ...lookupsOf(cycleOf(mixes.hot), "lid+alt"),
      prepare: () => sleep(app.memoryTtlMs),
    },
    {
      name: "hot (include=session)",
      group: "session",
      what: `The same ${HOT_CHATS} chats with \`include=session\`: each answer carries its session's status (${hotSessions} sessions, all \`WORKING\`), from the session statuses' own memory tier; chats and statuses in KV beforehand; started one \`MEMORY_CACHE_TTL_MS\` after the scenario before it, so that neither is in memory, as for \`hot\`.`,
      expectedStatus: 200,
      headers: {},
      ...lookupsOf(cycleOf(mixes.hot), "phone", true),
      prepare: () => sleep(app.memoryTtlMs),
    },
    {
      name: "kv",
      group: "kv",
      what: `${KV_CHATS.toLocaleString("en")} chats already in KV, with \`x-bench-memory: off\`: the KV tier alone.`,
      expectedStatus: 200,
      headers: memoryOff,
      ...lookupsOf(cycleOf(mixes.kv)),
    },
    {
      name: "kv (LID)",
      group: "alias",
      what: `The same ${KV_CHATS.toLocaleString("en")} chats by their LID (in KV beforehand), memory tier off.`,
      expectedStatus: 200,
      headers: memoryOff,
      ...lookupsOf(cycleOf(mixes.kv), "lid"),
    },
    {
      name: "kv (BSUID)",
      group: "alias",
      what: `The same ${KV_CHATS.toLocaleString("en")} chats by their business-scoped user id (in KV beforehand), memory tier off.`,
      expectedStatus: 200,
      headers: memoryOff,
      ...lookupsOf(cycleOf(mixes.kv), "bsuid"),
    },
    {
      name: "kv (batches of 100)",
      group: "batch",
      what: `The mix of \`kv\` (the same ${KV_CHATS.toLocaleString("en")} chats in the same order, memory tier off) in \`POST /api/clients/view/batch\` requests of ${BATCH_SIZE} lookups each, by phone-number id (${BATCH_SIZE} ids fit one KV bulk read), over ${batchConnections} connections: more batches in flight would hold more than the ${KV_CHATS.toLocaleString("en")} chats, and a batch would join another's load of the same chats instead of reading them itself.`,
      expectedStatus: 200,
      headers: { ...memoryOff, "Content-Type": "application/json" },
      connections: batchConnections,
      ...batchesOf(cycleOf(mixes.kv), BATCH_SIZE),
    },
    {
      name: "d1",
      group: "d1",
      what: `The same ${KV_CHATS.toLocaleString("en")} chats with \`Cache-Control: no-cache\`: every lookup must read D1, and refreshes memory only (no KV call).`,
      expectedStatus: 200,
      headers: { "Cache-Control": "no-cache" },
      ...lookupsOf(cycleOf(mixes.kv)),
    },
    {
      name: "d1 (LID+alt)",
      group: "alias",
      what: `The same ${KV_CHATS.toLocaleString("en")} chats by LID with the phone-number id as \`alt\`, \`Cache-Control: no-cache\`: both ids in one D1 query.`,
      expectedStatus: 200,
      headers: { "Cache-Control": "no-cache" },
      ...lookupsOf(cycleOf(mixes.kv), "lid+alt"),
    },
    {
      name: "d1 (BSUID)",
      group: "alias",
      what: `The same ${KV_CHATS.toLocaleString("en")} chats by their business-scoped user id, \`Cache-Control: no-cache\`.`,
      expectedStatus: 200,
      headers: { "Cache-Control": "no-cache" },
      ...lookupsOf(cycleOf(mixes.kv), "bsuid"),
    },
    {
      name: "unknown",
      group: "unknown",
      what: "Chat ids no conversation has, a new one for every request: 404, nothing to cache.",
      expectedStatus: 404,
      headers: {},
      nextPath: () => lookupPath(unknownChatId(unknownSerial++)),
    },
    {
      name: "zipf (cold)",
      group: "zipf",
      what: `${zipfMix}, from its start: only the hot and KV sets are in KV, so many lookups ask for a chat for the first time and must reach D1.`,
      expectedStatus: 200,
      headers: {},
      ...lookupsOf(zipfCold),
    },
    warmScenario,
    windowRun({
      name: "zipf (warm), KV off",
      group: "zipf",
      what: "The warm window's requests again, from its start, with `x-bench-kv: off`: memory, then D1; no KV call is made (or billed).",
      expectedStatus: 200,
      headers: { "x-bench-kv": "off" },
      nextPath: () => "",
    }),
    windowRun({
      name: "zipf (warm), caches off",
      group: "zipf",
      what: "The warm window's requests again, from its start, with `x-bench-memory: off` and `x-bench-kv: off`: every lookup reads D1, and no KV call is made.",
      expectedStatus: 200,
      headers: { ...memoryOff, "x-bench-kv": "off" },
      nextPath: () => "",
    }),
    {
      name: "writes",
      group: "writes",
      what: `\`PUT /api/conversations/{chat}\` with the \`clients:write\` token over ${WRITE_CHATS.toLocaleString("en")} chats apart from the hot and KV sets, each moved to another client and back on the next pass: every write changes its row, records its event, and refreshes the chat's two ids in memory and KV.`,
      expectedStatus: 200,
      headers: writeHeaders,
      ...writes,
    },
    {
      name: "writes (events off)",
      group: "writes",
      what: "The same writes, continued, with event recording turned off in the database (bench/lib/events-switch.ts: the event triggers dropped, `event_context` a view that writes nothing), as writes cost before events were recorded; turned on again after the run.",
      expectedStatus: 200,
      headers: writeHeaders,
      ...writes,
      prepare: async () => {
        restoreRecording = recordingOff(database);
      },
      finish: async () => {
        restoreRecording?.();
        restoreRecording = undefined;
      },
    },
    {
      name: "writes (again)",
      group: "writes",
      what: "The same writes, continued, events recorded again: with `writes` on either side of `writes (events off)`, a machine that slows down or speeds up during the three runs moves both sides of the comparison alike.",
      expectedStatus: 200,
      headers: writeHeaders,
      ...writes,
    },
    // Last, so that its 200,000 unknown ids in memory weigh on no other row.
    abuseScenario(),
  ];

  return {
    baseline: {
      name: "baseline",
      group: "baseline",
      what: "`GET /health`: no auth, no storage, the ceiling of this server on this machine; 3 s runs before and after every scenario (p50 and p99: the median of those runs).",
      expectedStatus: 200,
      headers: {},
      nextPath: () => "/health",
    },
    scenarios: all.filter((scenario) => wanted(scenario.group ?? scenario.name)),
    prewarm: async () => {
      if (["hot", "kv", "d1", "zipf", "alias", "batch", "session"].some(wanted)) {
        await prewarmKv(url, token, phoneSet, settings);
      }
      if (wanted("alias")) {
        await prewarmKv(url, token, [...mixes.hot], settings, "pre-warmed hot LIDs", "lid+alt");
        await prewarmKv(url, token, [...mixes.kv], settings, "pre-warmed KV LIDs", "lid");
        await prewarmKv(url, token, [...mixes.kv], settings, "pre-warmed KV BSUIDs", "bsuid");
      }
      if (wanted("session")) {
        // A status read from D1 earns its KV write at its session's second miss, as a chat does.
        await prewarmKv(url, token, [...mixes.hot], settings, "pre-warmed hot sessions", "phone", true);
      }
    },
    zipfReport: (runOf) => {
      const coldRun = runOf("zipf (cold)");
      const warmRun = runOf("zipf (warm)");
      return {
        cold:
          coldRun === undefined ? null : zipfFloors(mixes.zipf, coldRun, new Set(phoneSet), app.memoryTtlMs),
        warm:
          warmRun === undefined || warm === undefined
            ? null
            : {
                ...zipfFloors(warm.window.chats, warmRun, warmCached, app.memoryTtlMs),
                ...warm,
                sent: warmRun.to,
              },
      };
    },
  };
}
