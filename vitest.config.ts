import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            // Test-only: the migrations test/setup.ts applies to each file's D1.
            TEST_MIGRATIONS: migrations,
            // As npm start sets it: webhooks may be http://127.0.0.1:PORT (never in a deploy).
            ALLOW_LOCAL_WEBHOOKS: "true",
          },
          // Test-only: a database the migration test applies migrations to one at a time.
          d1Databases: ["MIGRATION_DB"],
          // Low enough for a test to reach; tests use a fresh token (a fresh counter) each.
          ratelimits: {
            RATE_LIMITER: { namespace_id: "1001", simple: { limit: 100, period: 60 } },
            NO_CACHE_RATE_LIMITER: { namespace_id: "1002", simple: { limit: 20, period: 60 } },
            BATCH_RATE_LIMITER: { namespace_id: "1003", simple: { limit: 20, period: 60 } },
          },
        },
      }),
    ],
    resolve: {
      // The client package's tests run its source, so that none needs its build (dist/) first;
      // e2e/client-package.e2e.ts tests the built package, as a bot installs it.
      alias: [
        {
          find: /^chat-session-lookup-client$/,
          replacement: fileURLToPath(new URL("./packages/client/src/index.ts", import.meta.url)),
        },
      ],
    },
    // The routes with their documentation, so that test/openapi.test.ts can build the document
    // from them (src/with-docs.d.ts); the Worker's own build carries none.
    define: { WITH_DOCS: "true" },
    test: {
      include: ["test/**/*.test.ts"],
      // Those run in Node: vitest.node.config.ts.
      exclude: [...configDefaults.exclude, "test/**/*.node.test.ts"],
      setupFiles: ["./test/setup.ts"],
      // Races are ordered by barriers and time is stepped, so a test that waits this long is
      // stuck; the margin is for a shared, loaded 2-core machine.
      testTimeout: 15_000,
      hookTimeout: 15_000,
      // The one-line-per-request log is asserted where it matters; elsewhere it is noise, and so
      // are the failures of storage calls a test left hanging, released when it ends.
      onConsoleLog: (log: string) => !log.includes('"event":"request"') && !log.includes("Error: released"),
      // Each test gets a fresh Worker (test/setup.ts); spies are restored after each test.
      restoreMocks: true,
    },
  };
});
