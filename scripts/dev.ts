/**
 * `npm start` / `npm run dev`: prepares the local D1 (migrations, demo data, a fresh local token
 * with both scopes) and serves the Worker with `wrangler dev` on http://127.0.0.1:8787.
 * Arguments are passed to `wrangler dev` (`npm run dev -- --port 8788`).
 */
import { readFileSync } from "node:fs";
import { insertTokenSql, mintToken } from "./lib/tokens.ts";
import { applyMigrations, executeSql, spawnWrangler } from "./lib/wrangler.ts";

const LOCAL_TOKEN_NAME = "local-dev";

function optionValue(args: string[], name: string): string | undefined {
  for (const [i, arg] of args.entries()) {
    if (arg === name) return args[i + 1];
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

async function main() {
  const args = process.argv.slice(2);
  // The data goes where `wrangler dev` will read it: its default local state, or --persist-to.
  const local = { remote: false, persistTo: optionValue(args, "--persist-to") };

  applyMigrations(local);
  const token = mintToken();
  const demoData = readFileSync(new URL("demo-data.sql", import.meta.url), "utf8");
  // Each start mints a new local token: only its hash is stored, so an old one cannot be shown.
  executeSql(
    local,
    `${demoData}\nDELETE FROM api_tokens WHERE name = '${LOCAL_TOKEN_NAME}';\n${await insertTokenSql(token, {
      name: LOCAL_TOKEN_NAME,
      scopes: ["clients:read", "clients:write"],
      sessions: null,
      expiresAt: null,
    })}`,
  );

  const ip = optionValue(args, "--ip") ?? "127.0.0.1";
  const port = optionValue(args, "--port") ?? "8787";
  const defaults = [
    ...(optionValue(args, "--ip") === undefined ? ["--ip", ip] : []),
    ...(optionValue(args, "--port") === undefined ? ["--port", port] : []),
  ];
  console.log(`Local D1 ready: migrations applied, demo data loaded.
Local token "${LOCAL_TOKEN_NAME}" (clients:read, clients:write), valid until the next start:

  ${token}

Try it:

  curl -H "Authorization: Bearer ${token}" "http://${ip}:${port}/api/clients/view?chatId=123456789@c.us"
`);

  const child = spawnWrangler(["dev", ...defaults, ...args]);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
