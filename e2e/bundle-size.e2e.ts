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

describe("the built Worker", () => {
  it(`stays under ${COLD_START_BUDGET.gzipKiB} KiB gzip`, { timeout: 180_000 }, () => {
    runWrangler(["deploy", "--dry-run", "--config", CONFIG, "--outdir", outDir]);
    const modules = readdirSync(outDir)
      .filter((name) => MODULE_EXTENSIONS.has(extname(name)))
      .sort()
      .map((name) => readFileSync(join(outDir, name)));
    expect(modules.length).toBeGreaterThan(0);
    // As wrangler counts it: every module, one after the other, gzipped as one.
    const gzipKiB = gzipSync(Buffer.concat(modules)).byteLength / 1024;
    expect(gzipKiB).toBeLessThan(COLD_START_BUDGET.gzipKiB);
  });
});
