import { defineConfig } from "vitest/config";

/**
 * The end-to-end suite (`npm run test:e2e`): plain Node, no Workers pool. `e2e/global-setup.ts`
 * serves the Worker with `wrangler dev` on a throwaway database; the tests talk to it over HTTP.
 */
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["./e2e/global-setup.ts"],
    // One file at a time: the burst gets the machine to itself, and the server is shared anyway.
    fileParallelism: false,
    // Tests marked concurrent (the docs' pages, each with a wrangler dev of its own) two at a time.
    maxConcurrency: 2,
    testTimeout: 20_000,
  },
});
