/**
 * The OpenAPI document against a maintained linter's recommended rules (Redocly CLI's
 * `recommended`): generated clients in other languages and API tools read it, so it must hold
 * to what they expect (an `operationId` on every operation, security said on each, …).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const REDOCLY = fileURLToPath(new URL("../../node_modules/@redocly/cli/bin/cli.js", import.meta.url));
// What `/openapi.json` serves as is (test/openapi.test.ts checks that it is the routes' document).
const DOCUMENT = fileURLToPath(new URL("../../public/openapi.json", import.meta.url));

describe("the OpenAPI document", () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [REDOCLY, "lint", "--extends", "recommended", "--format", "json", DOCUMENT],
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
    const { paths } = JSON.parse(await readFile(DOCUMENT, "utf8")) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const ids = Object.values(paths).flatMap((operations) =>
      Object.values(operations).map((op) => op.operationId),
    );
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
