/**
 * `npm run deploy` (scripts/deploy.ts) with the placeholder ids of wrangler.toml. Wrangler is
 * pointed at a fake Cloudflare API on loopback that records every request: a dry run, and a
 * real deploy refused for its placeholders, must send none; nor may the other scripts' --remote.
 */
import { readdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROOT, runNode, runScript, SCRIPT_ENV } from "./run-script.ts";

let api: Server;
let requests: string[] = [];
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  api = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(500, { "Content-Type": "application/json" });
    response.end(
      JSON.stringify({
        success: false,
        errors: [{ code: 1, message: "fake API" }],
        messages: [],
        result: null,
      }),
    );
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  const { port } = api.address() as AddressInfo;
  env = {
    ...SCRIPT_ENV,
    CLOUDFLARE_API_BASE_URL: `http://127.0.0.1:${port}/client/v4`,
    CLOUDFLARE_API_TOKEN: "fake-token",
    CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef",
  };
});

afterAll(async () => {
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
});

beforeEach(() => {
  requests = [];
});

describe("npm run deploy with placeholder ids", () => {
  it("--dry-run says what a deploy would do, builds offline, and calls nothing remote", {
    timeout: 60_000,
  }, async () => {
    const result = await runScript("deploy.ts", ["--env", "production", "--dry-run"], { env });
    // The build passed, but a deploy would stop: a CI step can use the dry run as a check.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("a deploy would stop at the placeholder ids above");
    expect(result.stdout).toContain("Dry run: nothing remote is read or changed.");
    expect(result.stdout).toContain("npx wrangler d1 migrations apply DB --remote --env production");
    const migrations = readdirSync(join(ROOT, "migrations")).filter((name) => name.endsWith(".sql"));
    expect(result.stdout).toContain(
      `Local migrations: ${migrations.sort().join(", ")}. Which are pending only the remote database`,
    );
    expect(result.stdout).toContain("npx wrangler deploy --env production");
    for (const queue of [
      "chat-session-lookup-production-webhooks",
      "chat-session-lookup-production-webhooks-dlq",
    ]) {
      expect(result.stdout).toContain(`npx wrangler queues create ${queue} --env production`);
    }
    expect(result.stdout).toContain(
      'env.production.d1_databases[0].database_id = "REPLACE_WITH_PRODUCTION_D1_DATABASE_ID"',
    );
    // wrangler's own offline build ran to its end.
    expect(result.stdout).toContain("--dry-run: exiting now.");
    expect(requests).toEqual([]);
  });

  it("a real deploy stops before any remote call, naming each field and the command that prints its id", async () => {
    const result = await runScript("deploy.ts", ["--env", "production"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("nothing was deployed, nothing remote was called");
    expect(result.stderr).toContain(
      'env.production.d1_databases[0].database_id = "REPLACE_WITH_PRODUCTION_D1_DATABASE_ID"',
    );
    expect(result.stderr).toContain("npx wrangler d1 create chat-session-lookup-production");
    expect(result.stderr).toContain(
      'env.production.kv_namespaces[0].id = "REPLACE_WITH_PRODUCTION_KV_NAMESPACE_ID"',
    );
    expect(result.stderr).toContain("npx wrangler kv namespace create CACHE --env production");
    expect(requests).toEqual([]);
  });

  it("the token CLI's --remote stops the same way on a placeholder D1 id", async () => {
    const result = await runScript("token.ts", ["list", "--remote", "--env", "staging"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("env.staging.d1_databases[0].database_id");
    expect(result.stderr).toContain("npx wrangler d1 create chat-session-lookup-staging");
    expect(requests).toEqual([]);
  });

  it("npm run import and npm run export with --remote stop the same way, before reading the file", async () => {
    const imported = await runScript(
      "import.ts",
      [join(ROOT, "package.json"), "--remote", "--env", "staging"],
      {
        env,
      },
    );
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain("nothing was read or written");
    expect(imported.stderr).toContain("env.staging.d1_databases[0].database_id");
    expect(imported.stderr).toContain("env.staging.kv_namespaces[0].id");
    const exported = await runScript("export.ts", ["--remote", "--env", "production"], { env });
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain("env.production.d1_databases[0].database_id");
    expect(requests).toEqual([]);
  });

  it("(control) the fake API does see a remote wrangler call, so its silence above means something", async () => {
    const wrangler = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
    await runNode(wrangler, ["d1", "migrations", "list", "DB", "--remote", "--env", "production"], { env });
    expect(requests.length).toBeGreaterThan(0);
  });
});
