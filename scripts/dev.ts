/**
 * `npm start` / `npm run dev`: prepares the local D1 (migrations when pending, demo data, the
 * local token with every scope) and serves the Worker with `wrangler dev` on http://127.0.0.1:8787,
 * with the local-only settings a deployment never has: webhooks to http://127.0.0.1:PORT and
 * http://localhost:PORT (`ALLOW_LOCAL_WEBHOOKS`), and the Cron Trigger fired on request
 * (`--test-scheduled`: `curl http://127.0.0.1:8787/cdn-cgi/handler/scheduled`).
 * Arguments are passed to `wrangler dev` (`npm run dev -- --port 8788`).
 */
import { TOKEN_SCOPES } from "../src/db/schema.ts";
import { localStateDir } from "./lib/d1.ts";
import { portInUse } from "./lib/free-port.ts";
import { LOCAL_TOKEN_NAME, prepareLocalState } from "./lib/local-state.ts";
import { spawnWrangler } from "./lib/wrangler.ts";

function optionValue(args: string[], ...names: string[]): string | undefined {
  for (const [i, arg] of args.entries()) {
    for (const name of names) {
      if (arg === name) return args[i + 1];
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    }
  }
  return undefined;
}

// What wrangler.toml must never say, since a deploy would then do it too.
const LOCAL_ONLY = ["--test-scheduled"];
const LOCAL_WEBHOOKS_VAR = "ALLOW_LOCAL_WEBHOOKS";

async function main() {
  const args = process.argv.slice(2);
  const ip = optionValue(args, "--ip") ?? "127.0.0.1";
  const port = optionValue(args, "--port") ?? "8787";
  if (await portInUse(ip, Number(port))) {
    console.error(
      `Port ${port} on ${ip} is in use (another npm start?). Stop it, or serve on another port: npm start -- --port ${Number(port) + 1}`,
    );
    process.exitCode = 1;
    return;
  }
  // The data goes where `wrangler dev` will read it: its default local state, or --persist-to,
  // with the bindings of the environment it will serve.
  const state = await prepareLocalState({
    persistTo: optionValue(args, "--persist-to"),
    env: optionValue(args, "--env", "-e"),
  });

  const defaults = [
    ...(optionValue(args, "--ip") === undefined ? ["--ip", ip] : []),
    ...(optionValue(args, "--port") === undefined ? ["--port", port] : []),
    ...LOCAL_ONLY.filter((arg) => !args.includes(arg)),
    ...(args.some((arg) => arg.startsWith(`${LOCAL_WEBHOOKS_VAR}:`))
      ? []
      : ["--var", `${LOCAL_WEBHOOKS_VAR}:true`]),
  ];
  const stateDir = localStateDir(optionValue(args, "--persist-to"));
  const data = state.migrated
    ? "migrations applied, demo data loaded"
    : `demo data checked (what you changed stays; to start over, stop and delete ${stateDir})`;
  console.log(`Local D1 ready: ${data}.
Local token "${LOCAL_TOKEN_NAME}" (${TOKEN_SCOPES.join(", ")}), ${state.minted ? "new" : "the same as last time"}; it stays until you revoke it (npm run token -- revoke ${LOCAL_TOKEN_NAME}):

  ${state.token}

Try it:

  curl -H "Authorization: Bearer ${state.token}" "http://${ip}:${port}/api/clients/view?chatId=123456789@c.us"
`);

  // The Worker reads nothing of `Request.cf`, so wrangler's placeholder serves as well as the real
  // object, which it would fetch from workers.cloudflare.com (a stack trace when offline).
  const child = spawnWrangler(["dev", ...defaults, ...args], {
    env: { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env },
  });
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
