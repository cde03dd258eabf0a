import { defineConfig } from "drizzle-kit";

// drizzle-kit writes migrations where wrangler applies them from (`migrations_dir`).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
