/**
 * The abuse row: what one read-only token can make the caches cost by skipping them. Before KV
 * admission, a no-cache lookup of an unknown id deleted that id's KV key, so a no-cache batch of
 * 100 unknown ids with `alt` cost 200 KV deletes ($5 per million) for one D1 query. The contract
 * now says no lookup deletes a KV key and a no-cache lookup never writes one: this row sends
 * such batches and counts what they cost.
 */

import { unknownChatId, unknownLid } from "./data.ts";
import { lookupD1PerThousand, type ScenarioResult, type Target } from "./report.ts";
import { BATCH_SIZE, type Scenario } from "./scenarios.ts";

export const ABUSE_SCENARIO = "abuse (no-cache batches)";
/** Batches the abuse row sends, all measured. */
export const ABUSE_BATCHES = 1_000;
// Unknown ids of their own, far from those the `unknown` scenario asks for.
const FIRST_SERIAL = 50_000_000;

/** 1,000 no-cache batches of 100 unknown ids, each with an unknown LID as `alt`, by the read token. */
export function abuseScenario(): Scenario {
  let serial = FIRST_SERIAL;
  const lookup = () => {
    const n = serial++;
    return { chatId: unknownChatId(n), alt: unknownLid(n) };
  };
  return {
    name: ABUSE_SCENARIO,
    group: "abuse",
    what: `${ABUSE_BATCHES.toLocaleString("en")} \`POST /api/clients/view/batch\` requests of ${BATCH_SIZE} lookups, every id one no conversation has (a new one each time) with a LID no conversation has as \`alt\`, sent with \`Cache-Control: no-cache\` by the one \`clients:read\` token, all measured (no warm-up); \`NO_CACHE_RATE_LIMITER\` and \`BATCH_RATE_LIMITER\` are out of reach in bench/wrangler.bench.toml, so nothing is refused. What a read token can make the caches cost: before KV admission each batch cost 200 KV deletes; it must cost none, and no KV write.`,
    expectedStatus: 200,
    headers: { "Cache-Control": "no-cache", "Content-Type": "application/json" },
    itemsPerRequest: BATCH_SIZE,
    requests: ABUSE_BATCHES,
    nextPath: () => "/api/clients/view/batch",
    nextBody: () => JSON.stringify({ lookups: Array.from({ length: BATCH_SIZE }, lookup) }),
  };
}

/** The abuse row's target: no KV write and no KV delete, with its D1 queries beside. */
export function abuseTargets(byName: ReadonlyMap<string, ScenarioResult>): Target[] {
  const label = `${ABUSE_SCENARIO}: 0 KV writes and 0 KV deletes over ${ABUSE_BATCHES.toLocaleString("en")} no-cache batches of ${BATCH_SIZE} unknown ids with \`alt\``;
  const result = byName.get(ABUSE_SCENARIO);
  if (result === undefined) return [{ label, pass: null, measured: "not run" }];
  const { counters } = result;
  const queries = counters.d1.statements - counters.d1.tokenStatements;
  const perBatch = counters.batches === 0 ? 0 : queries / counters.batches;
  const tokenChecks =
    counters.d1.tokenStatements > 0 ? ` (+${counters.d1.tokenStatements} token checks, left out)` : "";
  return [
    {
      label,
      pass: counters.kv.writes === 0 && counters.kv.deletes === 0 && counters.batches === ABUSE_BATCHES,
      measured: `${counters.kv.writes} KV writes, ${counters.kv.deletes} KV deletes, ${counters.kv.reads} KV reads; ${queries} D1 queries${tokenChecks}, ${perBatch.toFixed(2)} per batch (${(lookupD1PerThousand(result) ?? 0).toFixed(1)} per 1k lookups); ${counters.batches.toLocaleString("en")} batches counted, ${result.unexpected} answers other than 200`,
    },
  ];
}
