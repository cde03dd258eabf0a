/**
 * The bill: what a million lookups of each scenario cost on Cloudflare's Workers Paid plan, from
 * the operations the bench Worker counted and the server CPU time measured, at the prices of
 * bench/README.md ("What it costs"). Marginal cost: the plan's included amounts are assumed used.
 */
import type { Counters } from "../counters.ts";

/** What a scenario's bill is made from: its name, what the bench Worker counted, the CPU time. */
export interface Billable {
  name: string;
  counters: Counters;
  /** Server CPU time during the measured run, ms; `null`: unknown. */
  cpuMs: number | null;
}

/** USD per million units, beyond the monthly included amounts (bench/README.md has the sources). */
export const PRICES = {
  asOf: "2026-11-29",
  /** Workers requests (10 M a month included). */
  workerRequests: 0.3,
  /** Workers CPU time, per million CPU-ms (30 M CPU-ms a month included). */
  workerCpuMs: 0.02,
  /** KV reads, per million keys read (10 M a month included): a bulk read of 100 keys is 100. */
  kvKeysRead: 0.5,
  /** KV writes, deletes and lists (1 M a month included). */
  kvWrites: 5,
  /** D1 rows read (25 billion a month included). */
  d1RowsRead: 0.001,
  /** D1 rows written (50 M a month included). */
  d1RowsWritten: 1,
} as const;

/** What a million lookups cost, USD, by what is billed. */
export interface CostBreakdown {
  requests: number;
  /** `null`: the server's CPU time is unknown (no /proc). */
  cpu: number | null;
  kvReads: number;
  kvWrites: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  total: number;
}

/** The counts per lookup that are billed, from a scenario's counters. */
export function billedPerLookup(result: Billable) {
  const { counters } = result;
  const lookups = counters.lookups;
  if (lookups === 0) return null;
  return {
    requests: counters.requests / lookups,
    cpuMs: result.cpuMs === null ? null : result.cpuMs / lookups,
    kvKeysRead: counters.kv.keysRead / lookups,
    kvWrites: (counters.kv.writes + counters.kv.deletes + counters.kv.lists) / lookups,
    d1RowsRead: (counters.d1.rowsRead + counters.d1.raw.rowsRead) / lookups,
    d1RowsWritten: counters.d1.rowsWritten / lookups,
  };
}

/** USD per million lookups of a scenario; `null` when it made no lookups. */
export function costPerMillionLookups(result: Billable): CostBreakdown | null {
  const billed = billedPerLookup(result);
  if (billed === null) return null;
  // Units per lookup × USD per million units = USD per million lookups.
  const cost = {
    requests: billed.requests * PRICES.workerRequests,
    cpu: billed.cpuMs === null ? null : billed.cpuMs * PRICES.workerCpuMs,
    kvReads: billed.kvKeysRead * PRICES.kvKeysRead,
    kvWrites: billed.kvWrites * PRICES.kvWrites,
    d1RowsRead: billed.d1RowsRead * PRICES.d1RowsRead,
    d1RowsWritten: billed.d1RowsWritten * PRICES.d1RowsWritten,
  };
  const total =
    cost.requests + (cost.cpu ?? 0) + cost.kvReads + cost.kvWrites + cost.d1RowsRead + cost.d1RowsWritten;
  return { ...cost, total };
}

/** A dollar amount: three decimals, or two significant digits when smaller than that. */
export function usd(value: number | null): string {
  if (value === null) return "–";
  if (value === 0) return "0";
  if (value >= 0.001) return value.toFixed(3);
  return value.toPrecision(2);
}

/** The table of what a million lookups cost, by scenario and by what is billed. */
export function costTable(results: readonly Billable[]): string {
  const rows = results.flatMap((result) => {
    const billed = billedPerLookup(result);
    const cost = costPerMillionLookups(result);
    if (billed === null || cost === null) return [];
    return [
      `| ${result.name} | ${billed.requests.toFixed(2)} | ${billed.cpuMs === null ? "–" : billed.cpuMs.toFixed(2)} | ${billed.kvKeysRead.toFixed(3)} | ${billed.kvWrites.toFixed(3)} | ${billed.d1RowsRead.toFixed(2)} | ${usd(cost.requests)} | ${usd(cost.cpu)} | ${usd(cost.kvReads)} | ${usd(cost.kvWrites)} | ${usd(cost.d1RowsRead)} | ${usd(cost.d1RowsWritten)} | **${usd(cost.total)}** |`,
    ];
  });
  return [
    "| Scenario | requests / lookup | CPU ms / lookup | KV keys read / lookup | KV writes / lookup | D1 rows read / lookup | $ requests | $ CPU | $ KV reads | $ KV writes | $ D1 rows read | $ D1 rows written | $ total per M lookups |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

/**
 * What the KV tier costs and saves on the Zipf mix: the warm run with every tier against the same
 * requests with KV off (memory and D1) and with both caches off (D1 only); `null` when not run.
 */
export function kvCostNote(byName: ReadonlyMap<string, Billable>): string | null {
  const allTiers = byName.get("zipf (warm)");
  const kvOff = byName.get("zipf (warm), KV off");
  const cachesOff = byName.get("zipf (warm), caches off");
  if (allTiers === undefined || (kvOff === undefined && cachesOff === undefined)) return null;
  const describe = (result: Billable) => {
    const cost = costPerMillionLookups(result);
    const billed = billedPerLookup(result);
    if (cost === null || billed === null) return `\`${result.name}\`: no lookups`;
    return `\`${result.name}\` $${usd(cost.total)} per million lookups (KV ${(billed.kvKeysRead * 1000).toFixed(0)} keys read and ${(billed.kvWrites * 1000).toFixed(0)} writes per 1,000 lookups: $${usd(cost.kvReads + cost.kvWrites)}; D1 ${(billed.d1RowsRead * 1000).toFixed(0)} rows read per 1,000: $${usd(cost.d1RowsRead)}; requests and CPU: $${usd(cost.requests + (cost.cpu ?? 0))})`;
  };
  const parts = [allTiers, kvOff, cachesOff].filter((result) => result !== undefined).map(describe);
  return `What the KV tier costs on the Zipf mix, over the same requests: ${parts.join("; ")}. A KV read is billed per key at $${PRICES.kvKeysRead} per million, a D1 row read at $${PRICES.d1RowsRead} per million: a KV hit that saves a D1 query of a few rows costs some hundred times what the query would have. The KV tier buys latency (a nearby read instead of a round trip to the database's one location), not a smaller bill.`;
}
