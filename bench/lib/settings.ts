/**
 * The command line of `npm run bench`: its options, their defaults (the simulated round trips
 * among them), and the usage text.
 */
import { parseArgs } from "node:util";

// Round trips for --simulate-latency (bench/README.md, "Latency simulation", has the sources):
// - D1: a database has one primary, in one location, and a Worker runs in the location nearest
//   its caller, so a query from elsewhere crosses a WAN: some 20-40 ms within a continent,
//   70-150 ms between continents. 50 ms stands for "a Worker in another location", the
//   distance D1's read replicas and Smart Placement exist to remove.
// - KV: a read that misses the location's cache goes on to a regional tier and then KV's
//   central stores ("How KV works"). Cloudflare's "We made Workers KV up to 3x faster" (2024)
//   has hot, cached reads under a millisecond; misses pay the trip to central storage, whose
//   own p99 it later brought under 5 ms (2025): what is left is mostly network, ~30 ms.
const DEFAULT_D1_RTT_MS = 50;
const DEFAULT_KV_RTT_MS = 30;

/** `npm run bench -- --help`. */
export const USAGE = `Usage: npm run bench [-- options]

  --duration S          measured seconds per scenario (default 5; 10 with --simulate-latency)
  --warmup S            warm-up seconds before each measured run (default 2; 3 with --simulate-latency)
  --connections N       concurrent connections (default 32; 16 with --simulate-latency or --soak)
  --scenarios a,b       only these scenarios (baseline always runs): hot,kv,d1,unknown,zipf,
                        alias,batch,abuse,probe,session,writes (zipf: the Zipf runs, cold,
                        warm, warm with KV off and with caches off; alias: the runs by LID and
                        BSUID; batch: the KV set in batches of 100; abuse: 1,000 no-cache batches
                        of unknown ids; probe: the timing probe of a session-limited token;
                        session: hot lookups with include=session; writes: links with events
                        recorded, and with recording off)
  --simulate-latency    latency mode: the Zipf mix with all tiers (cold, warm) vs caches off,
                        slow storage
  --d1-rtt-ms N         latency mode: added to each D1 round trip (default ${DEFAULT_D1_RTT_MS})
  --kv-rtt-ms N         latency mode: added to each KV call (default ${DEFAULT_KV_RTT_MS})
  --rate N              latency and soak modes: lookups per second sent (default 50)
  --soak                soak mode: a mix of hot, Zipf, unknown-chat lookups and writes for
                        --soak-minutes, with the server's memory and latency every 10 s
  --soak-minutes N      soak mode: how long (default 10)
  --no-rate-limiter     hand the app none of its rate limiting bindings, to see what they cost
  --keep-data           keep the temporary directory (database, built Worker, server log)
`;

const SCENARIO_NAMES = [
  "hot",
  "kv",
  "d1",
  "unknown",
  "zipf",
  "alias",
  "batch",
  "abuse",
  "probe",
  "session",
  "writes",
];

/** What one run does, from its command line. */
export interface Settings {
  soak: boolean;
  soakMinutes: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  scenarios: Set<string> | null;
  simulateLatency: boolean;
  d1RttMs: number;
  kvRttMs: number;
  rate: number | undefined;
  rateLimiter: boolean;
  keepData: boolean;
}

function numberOption(name: string, value: string | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0 || (!allowZero && number === 0)) {
    throw new Error(`--${name} needs a ${allowZero ? "non-negative" : "positive"} number, not "${value}"`);
  }
  return number;
}

/** The run's settings from `process.argv`; `null` for `--help`. Throws on a bad option. */
export function readSettings(): Settings | null {
  const { values } = parseArgs({
    strict: true,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      scenarios: { type: "string" },
      "simulate-latency": { type: "boolean", default: false },
      soak: { type: "boolean", default: false },
      "soak-minutes": { type: "string" },
      "d1-rtt-ms": { type: "string" },
      "kv-rtt-ms": { type: "string" },
      rate: { type: "string" },
      "no-rate-limiter": { type: "boolean", default: false },
      "keep-data": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return null;
  const latency = values["simulate-latency"] ?? false;
  const soak = values.soak ?? false;
  if (latency && soak) throw new Error("--simulate-latency and --soak are two different runs: choose one");
  if (values["soak-minutes"] !== undefined && !soak) throw new Error("--soak-minutes needs --soak");
  let scenarios: Set<string> | null = null;
  if (values.scenarios !== undefined) {
    scenarios = new Set(values.scenarios.split(",").map((name) => name.trim()));
    const unknown = [...scenarios].filter((name) => !SCENARIO_NAMES.includes(name));
    if (unknown.length > 0)
      throw new Error(`unknown scenario ${unknown.join(", ")}; scenarios: ${SCENARIO_NAMES}`);
  }
  return {
    durationSeconds: numberOption("duration", values.duration, latency ? 10 : 5),
    warmupSeconds: numberOption("warmup", values.warmup, latency ? 3 : 2, true),
    connections: Math.round(numberOption("connections", values.connections, latency || soak ? 16 : 32)),
    scenarios,
    simulateLatency: latency,
    d1RttMs: numberOption("d1-rtt-ms", values["d1-rtt-ms"], DEFAULT_D1_RTT_MS, true),
    kvRttMs: numberOption("kv-rtt-ms", values["kv-rtt-ms"], DEFAULT_KV_RTT_MS, true),
    rate: latency || soak ? numberOption("rate", values.rate, 50) : undefined,
    soak,
    soakMinutes: numberOption("soak-minutes", values["soak-minutes"], 10),
    rateLimiter: !(values["no-rate-limiter"] ?? false),
    keepData: values["keep-data"] ?? false,
  };
}
