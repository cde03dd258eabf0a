/**
 * The token CLI (`scripts/token.ts`) as a user runs it, on a throwaway local D1 (`--persist-to`).
 * Command line mistakes must be answered before anything is opened: the tests check that the
 * state directory a run would create does not exist afterwards, rather than how long it took.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openD1 } from "../scripts/lib/d1.ts";
import { runScript } from "./run-script.ts";

const TOKEN = /^csl_[A-Za-z0-9_-]{43}$/;

let workDir: string;
/** A local state directory no run has created: it must still not exist after a refused command. */
let untouched: string;
/** The database of the round trip. */
let persistTo: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "csl-token-cli-"));
  untouched = join(workDir, "never-created");
  persistTo = join(workDir, "state");
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const tokenCli = (...args: string[]) => runScript("token.ts", args);

describe("the token CLI's command line", () => {
  it("answers a mistyped command with the usage and exit code 2, before opening any database", async () => {
    const result = await tokenCli(
      "craete",
      "--name",
      "bot",
      "--scopes",
      "clients:read",
      "--persist-to",
      untouched,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: unknown command "craete"');
    expect(result.stderr).toContain("Usage: npm run token -- <command> [options]");
    expect(result.stdout).toBe("");
    expect(existsSync(untouched)).toBe(false);
  });

  it("answers an unknown option and a missing value in plain words, with exit code 2", async () => {
    const unknown = await tokenCli("list", "--persit-to", untouched);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown option --persit-to");
    const missing = await tokenCli("create", "--name");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: --name needs a value");
    expect(existsSync(untouched)).toBe(false);
  });

  it.each(["--help", "-h", "help", "create --help"])(
    "prints the usage for `%s` and exits 0",
    async (line) => {
      const result = await tokenCli(...line.split(" "));
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Usage: npm run token -- <command> [options]");
      expect(result.stderr).toBe("");
    },
  );

  it.each(["-1", "0", "abc", "1e3", "99999"])(
    "refuses --expires-in-days %s with a plain message, before opening any database",
    async (days) => {
      const result = await tokenCli(
        "create",
        "--name",
        "bot",
        "--scopes",
        "clients:read",
        "--expires-in-days",
        days,
        "--persist-to",
        untouched,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`error: --expires-in-days needs a positive number of days`);
      expect(result.stderr).toContain(`"${days}" is not one`);
      expect(result.stderr).not.toMatch(/ERR_PARSE_ARGS|ambiguous/);
      expect(existsSync(untouched)).toBe(false);
    },
  );

  it("refuses an unknown scope and an option of another command", async () => {
    const scope = await tokenCli(
      "create",
      "--name",
      "bot",
      "--scopes",
      "clients:admin",
      "--persist-to",
      untouched,
    );
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain('unknown scope "clients:admin"');
    const misplaced = await tokenCli("list", "--scopes", "clients:read", "--persist-to", untouched);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain("--scopes applies to create only");
    expect(existsSync(untouched)).toBe(false);
  });
});

describe("the token CLI on a local D1", () => {
  it("creates, lists and revokes tokens, the token alone on the last line", { timeout: 90_000 }, async () => {
    const created = await tokenCli(
      "create",
      "--name",
      "cli-bot",
      "--scopes",
      "clients:read",
      "--persist-to",
      persistTo,
    );
    expect(created.code, created.stderr).toBe(0);
    // A new database: the migrations were applied by this first command.
    expect(created.stdout).toContain("Applied the pending migrations");
    expect(created.stdout.trimEnd().split("\n").at(-1)).toMatch(TOKEN);

    const taken = await tokenCli(
      "create",
      "--name",
      "cli-bot",
      "--scopes",
      "clients:read",
      "--persist-to",
      persistTo,
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('a token named "cli-bot" already exists');

    const listed = await tokenCli("list", "--persist-to", persistTo);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain("Applied the pending migrations");
    expect(listed.stdout).toMatch(/^cli-bot\s+clients:read\s+all\s+\S+ \S+\s+-\s+active$/m);

    const revoked = await tokenCli("revoke", "cli-bot", "--persist-to", persistTo);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('Revoked token "cli-bot"');

    const again = await tokenCli("revoke", "cli-bot", "--persist-to", persistTo);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no active token named "cli-bot"');

    const relisted = await tokenCli("list", "--persist-to", persistTo);
    expect(relisted.stdout).toMatch(/^cli-bot\s+clients:read\s+all\s+.*revoked \S+ \S+$/m);
  });

  it("counts a short expiry from the moment the token is stored", { timeout: 60_000 }, async () => {
    // 0.0002 days is 17.28 s: longer than the CLI takes, shorter than a slow start used to take.
    const durationMs = Math.round(0.0002 * 86_400_000);
    const created = await tokenCli(
      "create",
      "--name",
      "short-lived",
      "--scopes",
      "clients:read",
      "--expires-in-days",
      "0.0002",
      "--persist-to",
      persistTo,
    );
    expect(created.code, created.stderr).toBe(0);

    const db = await openD1({ remote: false, persistTo });
    try {
      const [row] = await db.query(
        "SELECT created_at, expires_at FROM api_tokens WHERE name = 'short-lived';",
      );
      // created_at is the insert's second (rounded down); expires_at its millisecond plus the duration.
      const lead = Number(row?.expires_at) - Number(row?.created_at);
      expect(lead).toBeGreaterThanOrEqual(durationMs);
      expect(lead).toBeLessThan(durationMs + 1_000);
    } finally {
      await db.close();
    }
  });
});
