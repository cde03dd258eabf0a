/**
 * The part of the cold-start budget that needs no timing: the Worker, built as `wrangler deploy`
 * builds it, stays under its gzip budget. `npm run bench:cold-start` measures startup CPU itself.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { COLD_START_BUDGET } from "../bench/cold-start.ts";
import { runWrangler } from "../scripts/lib/wrangler.ts";

const CONFIG = fileURLToPath(new URL("../wrangler.toml", import.meta.url));

// What the Worker runs; the source map and wrangler's README beside them are not part of it.
const MODULE_EXTENSIONS = new Set([".js", ".mjs", ".cjs", ".wasm"]);

const outDir = mkdtempSync(join(tmpdir(), "csl-bundle-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Every environment's build: each must leave the routes' documentation out. */
const ENVIRONMENTS = [undefined, "staging", "production"];

function build(environment: string | undefined): Buffer[] {
  const dir = join(outDir, environment ?? "top");
  const env = environment === undefined ? [] : ["--env", environment];
  runWrangler(["deploy", "--dry-run", "--config", CONFIG, "--outdir", dir, ...env]);
  return readdirSync(dir)
    .filter((name) => MODULE_EXTENSIONS.has(extname(name)))
    .sort()
    .map((name) => readFileSync(join(dir, name)));
}

describe("the built Worker", () => {
  it.each(ENVIRONMENTS)(
    "carries none of the routes' documentation (environment %s)",
    { timeout: 180_000 },
    (environment) => {
      const script = Buffer.concat(build(environment)).toString("utf8");
      expect(script).toContain("/api/clients/view");
      // A route's summary and a documented response of the OpenAPI document (src/with-docs.d.ts).
      expect(script).not.toContain("Find the client and WhatsApp session of a chat");
      expect(script).not.toContain("The chat's client and the session that serves it.");
    },
  );

  it(`stays under ${COLD_START_BUDGET.gzipKiB} KiB gzip`, { timeout: 180_000 }, () => {
    const modules = build(undefined);
    expect(modules.length).toBeGreaterThan(0);
    // As wrangler counts it: every module, one after the other, gzipped as one.
    const gzipKiB = gzipSync(Buffer.concat(modules)).byteLength / 1024;
    expect(gzipKiB).toBeLessThan(COLD_START_BUDGET.gzipKiB);
  });
});
