/**
 * Global setup of the end-to-end suite (`npm run test:e2e`), run once around all test files:
 *
 * 1. a throwaway local D1 and KV in a temp dir (`--persist-to`), never the developer's `.wrangler/state`;
 * 2. the migrations and `scripts/demo-data.sql` applied to it;
 * 3. tokens minted and revoked through the token CLI, as a user would (`node scripts/token.ts …`);
 * 4. then `wrangler dev` started by scripts/lib/dev-server.ts, until `GET /health` answers 200.
 *
 * Tests read the base URL and tokens with `inject("baseUrl")` and `inject("tokens")`. Teardown stops
 * the server and everything it started, and removes the temp dir, whether the tests passed or not.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type DevServer, startDevServer } from "../scripts/lib/dev-server.ts";
import { executeSql, PROJECT_ROOT } from "../scripts/lib/wrangler.ts";
import { createThrowawayState } from "./throwaway-state.ts";
import { createToken, revokeToken } from "./tokens.ts";

const DEMO_DATA = join(PROJECT_ROOT, "scripts", "demo-data.sql");

/** The tokens the suite works with, each minted by the token CLI. */
export interface E2eTokens {
  /** `clients:read,clients:write`, every session. */
  readWrite: string;
  /** `clients:write` only: lookups answer 403. */
  writeOnly: string;
  /** `clients:read,aliases:write`: a bot's token, that looks chats up and adds the ids it sees. */
  bot: string;
  /** `clients:read` limited to session `xyz789`, the demo client's. */
  sessionXyz789: string;
  /** `clients:read` limited to another session: the demo client is invisible to it. */
  otherSession: string;
  /** `clients:read,clients:write`, revoked before the server starts. */
  revoked: string;
  /** `sessions:write`, every session: what a gateway's webhook carries. */
  sessionsWrite: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The running Worker, such as `http://127.0.0.1:41234` (no trailing slash). */
    baseUrl: string;
    tokens: E2eTokens;
  }
}

/** Mints the suite's tokens one by one through the token CLI, and revokes one of them. */
async function mintTokens(persistTo: string): Promise<E2eTokens> {
  const tokens: E2eTokens = {
    readWrite: await createToken(persistTo, "e2e-read-write", ["--scopes", "clients:read,clients:write"]),
    writeOnly: await createToken(persistTo, "e2e-write-only", ["--scopes", "clients:write"]),
    bot: await createToken(persistTo, "e2e-bot", ["--scopes", "clients:read,aliases:write"]),
    sessionXyz789: await createToken(persistTo, "e2e-session-xyz789", [
      "--scopes",
      "clients:read",
      "--sessions",
      "xyz789",
    ]),
    otherSession: await createToken(persistTo, "e2e-other-session", [
      "--scopes",
      "clients:read",
      "--sessions",
      "other-session",
    ]),
    revoked: await createToken(persistTo, "e2e-revoked", ["--scopes", "clients:read,clients:write"]),
    sessionsWrite: await createToken(persistTo, "e2e-sessions-write", ["--scopes", "sessions:write"]),
  };
  await revokeToken(persistTo, "e2e-revoked");
  return tokens;
}

/**
 * Prepares the throwaway database and tokens, starts the Worker, and returns the teardown.
 *
 * @param project - Vitest's project, to `provide` the base URL and tokens to the tests.
 * @returns The teardown: stops the server and removes the temp dir.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!process.features.typescript) {
    throw new Error(
      `The end-to-end suite runs the TypeScript scripts on Node 22 (this is Node ${process.version}): run it with \`npm run test:e2e\`.`,
    );
  }
  const state = await createThrowawayState("csl-e2e-");
  const { workDir, persistTo } = state;
  let server: DevServer | undefined;

  const teardown = async () => {
    const crashed = server?.exited === true;
    await server?.stop();
    if (crashed && server !== undefined) {
      console.error(`wrangler dev exited before the end of the tests. Its output:\n${server.output()}`);
    }
    await state.remove();
  };

  try {
    executeSql({ remote: false, persistTo }, await readFile(DEMO_DATA, "utf8"));

    // The tokens first, then the server: the CLI's workerd and wrangler dev's, setting up the same
    // local storage at once, may stop on SQLite's lock, and the CLI then hangs instead of failing.
    const tokens = await mintTokens(persistTo);
    server = await startDevServer({ persistTo, logPath: join(workDir, "wrangler-dev.log") });

    project.provide("baseUrl", server.url);
    project.provide("tokens", tokens);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
