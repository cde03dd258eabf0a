/**
 * Puts the API reference's browser script into the Worker's static assets (`public/docs/scalar.js`),
 * so `/docs` loads it from the Worker itself and renders with no internet access. Runs after
 * every install (`postinstall`); the file is not committed.
 *
 * The script is one self-contained file of `@scalar/api-reference`, so the package is fetched alone
 * (`npm pack`, from npm's cache when it holds it), not installed: its dependencies, what the file
 * was built from, are 267 packages nothing else uses, 33 of which made `npm install` on Node 20
 * print EBADENGINE warnings.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

/** The package, its version and the integrity its registry publishes (`npm view … dist.integrity`). */
const PACKAGE = "@scalar/api-reference";
const VERSION = "1.76.0";
const INTEGRITY =
  "sha512-pjqwnzmA9YK3ZX+IZSICMsywm4qI6HLSngR2py9H6TvFApHHuJjkTAd+gFJfnqJDzJuro8k7ji6JCtJ2U+Byng==";
const FILE = "package/dist/browser/standalone.js";

const TARGET_DIR = fileURLToPath(new URL("../public/docs/", import.meta.url));

/** Fetches the package's tarball with npm itself (the npm running this install, if any). */
function packTarball(directory: string): Buffer {
  const npm = process.env.npm_execpath;
  const args = [
    "pack",
    `${PACKAGE}@${VERSION}`,
    "--pack-destination",
    directory,
    "--prefer-offline",
    "--json",
  ];
  const result = spawnSync(npm ? process.execPath : "npm", npm ? [npm, ...args] : args, {
    cwd: directory,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(
      `npm pack ${PACKAGE}@${VERSION} failed: ${`${result.stderr}${result.error ?? ""}`.trim()}`,
    );
  }
  const [packed] = JSON.parse(result.stdout) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack ${PACKAGE}@${VERSION} packed nothing`);
  return readFileSync(join(directory, packed.filename));
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

/** One file of a tar archive (ustar headers; a pax header's own entry is skipped like any other). */
function fileInTar(tar: Buffer, path: string): Buffer {
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    const name = text(header, 0, 100);
    if (name === "") break; // the end-of-archive blocks
    const prefix = text(header, 345, 155);
    const size = Number.parseInt(text(header, 124, 12).trim(), 8);
    const body = offset + 512;
    if ((prefix === "" ? name : `${prefix}/${name}`) === path) return tar.subarray(body, body + size);
    offset = body + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${path} is not in ${PACKAGE}@${VERSION}`);
}

const workDir = mkdtempSync(join(tmpdir(), "csl-docs-assets-"));
try {
  const tarball = packTarball(workDir);
  const integrity = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;
  if (integrity !== INTEGRITY) {
    throw new Error(`${PACKAGE}@${VERSION}: the tarball's integrity is ${integrity}, not ${INTEGRITY}`);
  }
  mkdirSync(TARGET_DIR, { recursive: true });
  writeFileSync(join(TARGET_DIR, "scalar.js"), fileInTar(gunzipSync(tarball), FILE));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
