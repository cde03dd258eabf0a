/**
 * Runs one of the project's scripts (`scripts/*.ts`, or wrangler) as a user would, on this Node, and collects
 * its exit code and output. The child gets a process group of its own, so that a script that
 * hangs is stopped with everything it started (wrangler, workerd) when the timeout passes.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of every child: no metrics, and no fetch of `Request.cf` from the internet. */
export const SCRIPT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/**
 * Runs `node scripts/<script> ...args` from the project root.
 *
 * @param script - File name under `scripts/`, such as `token.ts`.
 */
export function runScript(script: string, args: string[], options: RunOptions = {}): Promise<ScriptResult> {
  return runNode(join(ROOT, "scripts", script), args, options);
}

export interface RunOptions {
  /** The child's environment; {@link SCRIPT_ENV} by default. */
  env?: NodeJS.ProcessEnv;
  /** After this, the child's whole process group is killed and the run rejects. */
  timeoutMs?: number;
}

/** Runs a JavaScript or TypeScript file on this Node, from the project root. */
export function runNode(
  file: string,
  args: string[],
  { env = SCRIPT_ENV, timeoutMs = 60_000 }: RunOptions = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      reject(
        new Error(`${file} ${args.join(" ")} did not finish within ${timeoutMs} ms:\n${stdout}${stderr}`),
      );
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) });
    });
  });
}
