/**
 * Which lookups should put their answer in KV: the cache tiers of one Worker instance replayed
 * over the bench's own Zipf sequence (the one `npm run bench` sends), at the rates the bench
 * measures, under each candidate admission rule. A simulation of counts, not of time on this
 * machine: it tells how many D1 queries, KV reads and KV writes each rule costs per 1,000 lookups,
 * what that bills, and which tier answers the median lookup.
 *
 * `npm run bench:admission [-- --json]` (writes bench/results/admission.md too).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_CACHE_POLICY } from "../src/cache/policy.ts";
import { PRICES } from "./lib/cost.ts";
import { buildMixes } from "./lib/scenarios.ts";

const RESULTS = fileURLToPath(new URL("./results/admission.md", import.meta.url));
// What the bench's standard run sends (zipf cold: about 265 lookups a second) and its latency
// mode (50 a second).
const RATES = [265, 50];
// A location's first seconds (the bench's cold run: 2 s warm-up + 5 s measured) and ten minutes on.
const STRETCHES = [
  { name: "first 7 s", seconds: 7 },
  { name: "10 min", seconds: 600 },
];
// D1 rows one lookup reads (chat_ids, conversation, clients, and their index pages: bench/results/latest.md).
const D1_ROWS_PER_QUERY = 5;

/** An admission rule: how many misses within a window earn an answer a KV write. */
interface Rule {
  name: string;
  /** 0: never written (KV off); 1: every miss (the rule before admission). */
  misses: number;
  windowMs: number;
  /** Whether KV is read at all. */
  kvRead: boolean;
}

const { memory, kv } = DEFAULT_CACHE_POLICY.lookups;
const RULES: Rule[] = [
  { name: "every miss (before)", misses: 1, windowMs: 0, kvRead: true },
  { name: "2nd miss within 60 s (chosen)", misses: 2, windowMs: kv.admission.windowMs, kvRead: true },
  { name: "2nd miss within 5 min", misses: 2, windowMs: 300_000, kvRead: true },
  { name: "3rd miss within 5 min", misses: 3, windowMs: 300_000, kvRead: true },
  { name: "KV off", misses: 0, windowMs: 0, kvRead: false },
];

interface Tally {
  lookups: number;
  memory: number;
  kvHits: number;
  kvReads: number;
  kvWrites: number;
  d1: number;
}

/** One instance's tiers over `chats`, one lookup every `1000 / rate` ms, under `rule`. */
function replay(chats: Uint32Array, rate: number, seconds: number, rule: Rule): Tally {
  const memoryUntil = new Map<number, number>();
  const kvUntil = new Map<number, number>();
  const misses = new Map<number, { count: number; until: number }>();
  const tally: Tally = { lookups: 0, memory: 0, kvHits: 0, kvReads: 0, kvWrites: 0, d1: 0 };
  const count = Math.min(chats.length, Math.round(rate * seconds));
  for (let index = 0; index < count; index++) {
    const now = (index * 1000) / rate;
    const chat = chats[index] as number;
    tally.lookups++;
    if ((memoryUntil.get(chat) ?? -1) > now) {
      tally.memory++;
      continue;
    }
    memoryUntil.set(chat, now + memory.ttlMs);
    if (rule.kvRead) {
      tally.kvReads++;
      if ((kvUntil.get(chat) ?? -1) > now) {
        tally.kvHits++;
        continue;
      }
    }
    tally.d1++;
    if (rule.misses === 0) continue;
    const seen = misses.get(chat);
    const missed = seen !== undefined && seen.until > now ? seen.count + 1 : 1;
    if (missed >= rule.misses) {
      misses.delete(chat);
      tally.kvWrites++;
      kvUntil.set(chat, now + kv.ttlSeconds * 1000);
    } else {
      misses.set(chat, { count: missed, until: now + rule.windowMs });
    }
  }
  return tally;
}

const perK = (value: number, tally: Tally) => (value * 1000) / tally.lookups;

/** USD per million lookups, CPU left out (it barely differs between rules). */
function dollars(tally: Tally): number {
  const perLookup = (value: number) => value / tally.lookups;
  return (
    PRICES.workerRequests +
    perLookup(tally.kvReads) * PRICES.kvKeysRead +
    perLookup(tally.kvWrites) * PRICES.kvWrites +
    perLookup(tally.d1) * D1_ROWS_PER_QUERY * PRICES.d1RowsRead
  );
}

/** The tier that answers the median lookup. */
function medianTier(tally: Tally): string {
  const half = tally.lookups / 2;
  if (tally.memory >= half) return "memory";
  if (tally.memory + tally.kvHits >= half) return "KV";
  return "D1";
}

interface Row {
  rate: number;
  stretch: string;
  rule: string;
  memoryPerK: number;
  kvHitsPerK: number;
  kvReadsPerK: number;
  kvWritesPerK: number;
  d1PerK: number;
  usdPerMillion: number;
  median: string;
}

function measureAll(): Row[] {
  const { zipf } = buildMixes();
  const rows: Row[] = [];
  for (const rate of RATES) {
    for (const stretch of STRETCHES) {
      for (const rule of RULES) {
        const tally = replay(zipf, rate, stretch.seconds, rule);
        rows.push({
          rate,
          stretch: stretch.name,
          rule: rule.name,
          memoryPerK: perK(tally.memory, tally),
          kvHitsPerK: perK(tally.kvHits, tally),
          kvReadsPerK: perK(tally.kvReads, tally),
          kvWritesPerK: perK(tally.kvWrites, tally),
          d1PerK: perK(tally.d1, tally),
          usdPerMillion: dollars(tally),
          median: medianTier(tally),
        });
      }
    }
  }
  return rows;
}

function report(rows: readonly Row[]): string {
  const lines = [
    "# KV admission: which lookups should write KV",
    "",
    "Written by `npm run bench:admission` (bench/admission.ts): one Worker instance's cache tiers replayed,",
    "as counts, over the bench's own Zipf sequence (s = 1.1 over 100,000 chats, the one `npm run bench` sends),",
    `one lookup every 1/rate s; memory ${memory.ttlMs / 1000} s, KV ${kv.ttlSeconds} s, as the cache policy has them.`,
    "A KV write is $5 per million, a KV read $0.50 and a D1 row read $0.001 (bench/lib/cost.ts);",
    `the dollars below add the $0.30 per million requests and leave CPU time out. D1: ${D1_ROWS_PER_QUERY} rows per lookup.`,
    "",
    "| Lookups/s | Stretch | Rule | Memory / 1k | KV hits / 1k | KV reads / 1k | KV writes / 1k | KV hits per write | D1 / 1k | $ per M lookups | Median answered by |",
    "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.rate} | ${row.stretch} | ${row.rule} | ${row.memoryPerK.toFixed(0)} | ${row.kvHitsPerK.toFixed(0)} | ${row.kvReadsPerK.toFixed(0)} | ${row.kvWritesPerK.toFixed(1)} | ${row.kvWritesPerK === 0 ? "–" : (row.kvHitsPerK / row.kvWritesPerK).toFixed(1)} | ${row.d1PerK.toFixed(0)} | ${row.usdPerMillion.toFixed(3)} | ${row.median} |`,
    );
  }
  lines.push(
    "",
    "In dollars KV never pays back: a D1 lookup reads a few rows at $0.001 per million, a KV read costs",
    "$0.50. What a KV hit buys is time, at a location far from the database (a KV read there is a few",
    "milliseconds, a D1 query tens to hundreds). So the rule to choose is the one whose writes each buy",
    "the most hits while keeping most of them: every miss writing KV (the rule before) bought about one",
    "hit per write and made most of the bill. A chat's second miss within 60 s buys five and a half",
    "hits per write and keeps about three quarters of the hits the rule before had; a window of 5 min",
    "buys a few more hits at under four per write, a third miss about as many per write but fewer in",
    "all. A chat asked once never costs a write, and a location's first seconds, when nearly every chat",
    "is new, cost a quarter of what they did.",
  );
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false } } });
  const rows = measureAll();
  const markdown = report(rows);
  writeFileSync(RESULTS, markdown);
  console.log(values.json ? JSON.stringify(rows, null, 2) : markdown);
}
