/**
 * Tokens for the end-to-end tests, minted and revoked with the token CLI on a throwaway state
 * (`node scripts/token.ts … --persist-to DIR`), as a user would.
 */
import { TOKEN_PATTERN } from "../scripts/lib/tokens.ts";
import { QUIET_WRANGLER_ENV } from "../scripts/lib/wrangler.ts";
import { runScript } from "./run-script.ts";

// A command takes about 2 s, 15 s on a loaded machine: one still running after this hangs, and
// is stopped with the workerd it started rather than holding the suite until CI gives up.
const CLI_TIMEOUT_MS = 90_000;

/**
 * Runs the token CLI on the state in `persistTo` and returns its standard output.
 *
 * @throws With the command and its output when it exits non-zero or outlives its timeout.
 */
export async function tokenCli(persistTo: string, args: string[]): Promise<string> {
  const all = [...args, "--persist-to", persistTo];
  const { code, stdout, stderr } = await runScript("token.ts", all, {
    env: QUIET_WRANGLER_ENV,
    timeoutMs: CLI_TIMEOUT_MS,
  });
  if (code !== 0)
    throw new Error(`node scripts/token.ts ${all.join(" ")} failed:\n${stdout}${stderr}`.trim());
  return stdout;
}

/**
 * Creates a token with the CLI and takes it from the last line of its output.
 *
 * @param options - The CLI's options after the name, such as `["--scopes", "clients:read"]`.
 */
export async function createToken(persistTo: string, name: string, options: string[]): Promise<string> {
  const output = await tokenCli(persistTo, ["create", "--name", name, ...options]);
  const token = output.trimEnd().split("\n").at(-1)?.trim() ?? "";
  if (!TOKEN_PATTERN.test(token)) {
    throw new Error(`token CLI: the last line of "create --name ${name}" is not a token:\n${output}`);
  }
  return token;
}

/** Revokes the active token named `name` with the CLI. */
export async function revokeToken(persistTo: string, name: string): Promise<void> {
  await tokenCli(persistTo, ["revoke", name]);
}
