/**
 * What `npm start` prepares before serving (scripts/lib/local-state.ts), called the way
 * scripts/dev.ts calls it, on a throwaway state directory: the same local token on every start
 * until it is revoked, kept beside the local data.
 */
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openD1 } from "../scripts/lib/d1.ts";
import { LOCAL_TOKEN_NAME, prepareLocalState } from "../scripts/lib/local-state.ts";
import { runScript } from "./run-script.ts";

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
