/**
 * Runs before each test file: applies the migrations to the file's D1 (idempotent), and gives
 * every test a fresh Worker whose work has all ended, and its spies restored, when it ends.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, vi } from "vitest";
import { releaseAll } from "./support/stall";
import { retireWorkers } from "./support/worker";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

afterEach(async () => {
  // Spies first, so that what the released calls go on to do meets real storage.
  vi.restoreAllMocks();
  vi.useRealTimers();
  releaseAll();
  await retireWorkers();
});
