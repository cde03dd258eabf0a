/**
 * `npm run bench`: loads 100,000 conversations into a throw-away local D1, serves the real app
 * behind bench/worker.ts with `wrangler dev`, and measures each lookup path with autocannon:
 * requests per second as a ratio to `/health` measured in the same run, latency, and the D1
 * queries and KV reads the Worker counted per 1,000 lookups. See bench/README.md.
 *
 * The Zipf mix runs twice: cold (from the start of its sequence) and warm (a later window of it
 * whose chats are all put in KV first, as in steady state); the Zipf targets are judged warm.
 *
 * `npm run bench -- --simulate-latency [--d1-rtt-ms N] [--kv-rtt-ms N]` instead compares the
 * Zipf mix with every cache tier, cold and warm, against caches off, with storage round trips
 * made slow; `npm run bench -- --soak [--soak-minutes N]` runs mixed traffic with writes for a
 * long time and follows the server's memory and latency.
 *
 * This file is the entry: settings, the run's temporary directory, data, build and server, then
 * one of the three runs. The parts are in bench/lib/ (bench/README.md, "Files").
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintToken } from "../scripts/lib/tokens.ts";
import { appSettings, appVars } from "./lib/app-config.ts";
import { loadDatabase } from "./lib/database.ts";
import { latencyRun } from "./lib/latency-run.ts";
import { seconds } from "./lib/load.ts";
import { sanityCheck } from "./lib/measure.ts";
import { buildWorker, type DevServer, startBenchServer } from "./lib/server.ts";
import { readSettings, type Settings, USAGE } from "./lib/settings.ts";
import { soakRun } from "./lib/soak-run.ts";
import { standardRun } from "./lib/standard-run.ts";

async function main(): Promise<void> {
  let settings: Settings | null;
  try {
    settings = readSettings();
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (settings === null) {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), "csl-bench-"));
  // Interrupted (Ctrl-C): exit, so that the exit hooks kill the server and remove the directory.
  let removeOnExit = !settings.keepData;
  process.on("exit", () => {
    if (removeOnExit) rmSync(workDir, { recursive: true, force: true });
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the benchmark server`);
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
  }
  let server: DevServer | undefined;
  let failed = false;
  try {
    const vars = await appVars();
    const app = appSettings(vars);
    if (settings.simulateLatency) {
      vars.BENCH_D1_RTT_MS = String(settings.d1RttMs);
      vars.BENCH_KV_RTT_MS = String(settings.kvRttMs);
    }
    if (!settings.rateLimiter) vars.BENCH_RATE_LIMITER = "off";
    const tokens = { read: mintToken(), write: mintToken(), limited: mintToken() };
    const token = tokens.read;
    console.log(`Working directory: ${workDir}`);
    await loadDatabase(join(workDir, "state"), tokens);
    let since = performance.now();
    const script = buildWorker(join(workDir, "build"));
    console.log(`Built the Worker in ${seconds(since)} s`);
    since = performance.now();
    server = await startBenchServer({
      script,
      persistTo: join(workDir, "state"),
      vars,
      logPath: join(workDir, "wrangler-dev.log"),
    });
    console.log(`wrangler dev ready on ${server.url} in ${seconds(since)} s`);
    await sanityCheck(server.url, token);
    if (settings.simulateLatency) await latencyRun(server, settings, token, app);
    else if (settings.soak) await soakRun(server, settings, tokens, app);
    else await standardRun(server, settings, tokens, app);
  } catch (error) {
    failed = true;
    console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
    if (server) console.error(`\nThe server's last lines:\n${server.output(40)}`);
    process.exitCode = 1;
  } finally {
    await server?.stop();
    removeOnExit = false;
    if (settings.keepData || failed) console.log(`Kept ${workDir} (database, built Worker, server log)`);
    else rmSync(workDir, { recursive: true, force: true });
    console.log(`Total time: ${seconds(started)} s`);
  }
}

await main();
