/**
 * The OpenAPI document against a maintained linter's recommended rules (Redocly CLI's
 * `recommended`): generated clients in other languages and API tools read it, so it must hold
 * to what they expect (an `operationId` on every operation, security said on each, …).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import app from "../../src/index";

const REDOCLY = fileURLToPath(new URL("../../node_modules/@redocly/cli/bin/cli.js", import.meta.url));

let dir: string;
let document: string;

beforeAll(async () => {
  // The document route reads no binding: an empty env gives the default configuration.
  const context = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
  const response = await app.fetch(
    new Request("http://lookup.test/openapi.json"),
    {} as never,
    context as never,
  );
  expect(response.status).toBe(200);
  dir = await mkdtemp(join(tmpdir(), "openapi-lint-"));
  document = join(dir, "openapi.json");
  await writeFile(document, await response.text());
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the OpenAPI document", () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [REDOCLY, "lint", "--extends", "recommended", "--format", "json", document],
      { env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: unknown[];
    };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("names every operation", async () => {
    const context = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
    const response = await app.fetch(
      new Request("http://lookup.test/openapi.json"),
      {} as never,
      context as never,
    );
    const { paths } = (await response.json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const ids = Object.values(paths).flatMap((operations) =>
      Object.values(operations).map((op) => op.operationId),
    );
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
