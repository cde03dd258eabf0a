/**
 * What `npm start` prepares before serving (scripts/lib/local-state.ts), called the way
 * scripts/dev.ts calls it, on a throwaway state directory: the same local token on every start
 * until it is revoked, kept beside the local data. Then `npm start`'s script itself, serving
 * without reaching out to the internet.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openD1 } from "../scripts/lib/d1.ts";
import { freePorts } from "../scripts/lib/free-port.ts";
import { LOCAL_TOKEN_NAME, prepareLocalState } from "../scripts/lib/local-state.ts";
import { pollUntil } from "./polling.ts";
import { ROOT, runScript, SCRIPT_ENV } from "./run-script.ts";

let persistTo: string;

beforeAll(async () => {
  persistTo = await mkdtemp(join(tmpdir(), "csl-local-state-"));
});

afterAll(async () => {
  await rm(persistTo, { recursive: true, force: true });
});

it("gives the same local token on every start until it is revoked, then a new one", {
  timeout: 120_000,
}, async () => {
  const first = await prepareLocalState({ persistTo });
  expect(first).toMatchObject({ minted: true, migrated: true });
  // Beside the local data, readable by its owner only.
  expect(first.tokenFile.startsWith(persistTo)).toBe(true);
  expect(statSync(first.tokenFile).mode & 0o777).toBe(0o600);

  const second = await prepareLocalState({ persistTo });
  expect(second).toMatchObject({ token: first.token, minted: false, migrated: false });

  const db = await openD1({ remote: false, persistTo });
  try {
    const rows = await db.query(
      "SELECT (SELECT count(*) FROM api_tokens WHERE name = 'local-dev') AS tokens, (SELECT count(*) FROM conversation) AS conversations;",
    );
    expect(rows).toEqual([{ tokens: 1, conversations: 2 }]);
  } finally {
    await db.close();
  }

  const revoked = await runScript("token.ts", ["revoke", LOCAL_TOKEN_NAME, "--persist-to", persistTo]);
  expect(revoked.code, revoked.stderr).toBe(0);

  const third = await prepareLocalState({ persistTo });
  expect(third.minted).toBe(true);
  expect(third.token).not.toBe(first.token);

  const fourth = await prepareLocalState({ persistTo });
  expect(fourth).toMatchObject({ token: third.token, minted: false });
});

it("serves with `npm start` without fetching `Request.cf` from the internet: offline, no stack trace", {
  timeout: 120_000,
}, async () => {
  const [port, inspectorPort] = await freePorts(2);
  // Where wrangler would keep the `Request.cf` it fetched; the suite's own opt-out is left out.
  const cfPath = join(persistTo, "cf.json");
  const { CLOUDFLARE_CF_FETCH_ENABLED: _, ...env } = SCRIPT_ENV;
  const args = ["--persist-to", persistTo, "--port", String(port), "--inspector-port", String(inspectorPort)];
  const child = spawn(process.execPath, [join(ROOT, "scripts", "dev.ts"), ...args], {
    cwd: ROOT,
    env: { ...env, CLOUDFLARE_CF_FETCH_PATH: cfPath },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start scripts/dev.ts");
  try {
    await pollUntil(
      "GET /health answering 200",
      async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/health`);
          await response.arrayBuffer();
          return response.status;
        } catch {
          return 0;
        }
      },
      (status) => status === 200,
      { withinMs: 60_000, everyMs: 250 },
    );
  } finally {
    process.kill(-pid, "SIGTERM");
    const killer = setTimeout(() => process.kill(-pid, "SIGKILL"), 10_000);
    await closed;
    clearTimeout(killer);
  }

  const printed = stripVTControlCharacters(output);
  expect(printed).toContain(`Ready on http://127.0.0.1:${port}`);
  expect(printed).not.toContain("Request.cf");
  expect(printed).not.toMatch(/^\s+at /m);
  expect(existsSync(cfPath)).toBe(false);
});
