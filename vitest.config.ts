import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            // Test-only: the migrations test/apply-migrations.ts applies to each file's D1.
            TEST_MIGRATIONS: migrations,
            // Short enough that a hung-storage test answers 408 quickly.
            LOOKUP_TIMEOUT_MS: "1000",
          },
          // Low enough for a test to reach; tests use a fresh token (a fresh counter) each.
          ratelimits: { RATE_LIMITER: { namespace_id: "1001", simple: { limit: 100, period: 60 } } },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      // The one-line-per-request log is asserted where it matters; elsewhere it is noise.
      onConsoleLog: (log: string) => !log.includes('"event":"request"'),
    },
  };
});
