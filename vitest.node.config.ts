import { defineConfig } from "vitest/config";

/**
 * Tests that need Node rather than workerd (`*.node.test.ts`): checks of what the Worker is
 * made of, such as its OpenAPI document against a linter that runs in Node.
 */
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.node.test.ts"],
    testTimeout: 60_000,
  },
});
