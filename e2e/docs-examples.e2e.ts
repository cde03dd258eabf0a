/**
 * Every example of README.md and docs/*.md, run as a reader runs it (the convention is in
 * docs/testing.md and e2e/doc-blocks.ts). Each page gets a fresh copy of the checkout (its
 * `node_modules` linked), with local data prepared as `npm start` prepares it (migrations, demo
 * data, `.wrangler/state/local-dev-token`), and, when one of its examples names
 * http://127.0.0.1:8787, a `wrangler dev` of its own on that data; that address in the examples
 * is rewritten to the server's free port. Its blocks then run in order in one bash, on the
 * machine's own Node (as in e2e/bot-project.ts), and each output the page shows is compared.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, it } from "vitest";
import { type DevServer, startDevServer } from "../scripts/lib/dev-server.ts";
import { prepareLocalState } from "../scripts/lib/local-state.ts";
import { findPlainNode, type PlainNode } from "./bot-project.ts";
import { type DocBlock, outputMismatch, readBlocks, type Step, stepsOf } from "./doc-blocks.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LOCAL_ADDRESS = "127.0.0.1:8787";
// A page's server starts within 60 s and its commands get 150 s: both end before the test's timeout.
const PAGE_TIMEOUT_MS = 240_000;
const BASH_TIMEOUT_MS = 150_000;
// Not copied into a page's checkout: dependencies are linked, local data and builds are made fresh.
const NOT_COPIED = new Set(["node_modules", ".git", ".wrangler", "dist", "coverage"]);

/** Each page with its blocks, or the convention error that keeps it from running. */
const pages = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
].map((page) => {
  try {
    return { page, blocks: readBlocks(page, readFileSync(join(ROOT, page), "utf8")), error: undefined };
  } catch (error) {
    return { page, blocks: [], error: error instanceof Error ? error.message : String(error) };
  }
});

let workDir: string;
let demoState: string;
let node: PlainNode;

beforeAll(async () => {
  node = await findPlainNode();
  workDir = await mkdtemp(join(tmpdir(), "csl-docs-"));
  // Once for all pages: each page starts from a copy, as from `npm start` on a fresh clone.
  demoState = join(workDir, "demo-state");
  await prepareLocalState({ persistTo: demoState });
}, 120_000);

afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

/** A fresh checkout for one page: the repository's files, its dependencies linked, the demo data. */
async function checkoutFor(page: string): Promise<string> {
  const dir = join(workDir, basename(page, ".md"));
  const checkout = join(dir, "chat-session-lookup");
  await mkdir(dir);
  await cp(ROOT, checkout, {
    recursive: true,
    filter: (source) => !NOT_COPIED.has(basename(source)) && !source.endsWith(".tgz"),
  });
  await symlink(join(ROOT, "node_modules"), join(checkout, "node_modules"));
  await cp(demoState, join(checkout, ".wrangler", "state"), { recursive: true });
  // curl's progress meter would fill the log; what it prints on standard output is unchanged.
  await writeFile(join(dir, ".curlrc"), "--silent\n--show-error\n");
  return checkout;
}

interface ScriptStep extends Step {
  index: number;
}

/** The page as one bash script: files written, steps run, each step's output kept apart. */
function pageScript(blocks: DocBlock[], address: string): { script: string; steps: ScriptStep[] } {
  const lines = ["set -euo pipefail"];
  const steps: ScriptStep[] = [];
  const local = (text: string) => text.replaceAll(LOCAL_ADDRESS, address);
  for (const block of blocks) {
    if (block.kind === "file" && block.fileName !== undefined) {
      const body = block.lines.map(local).join("\n");
      if (body.includes("DOCS_FILE_END")) throw new Error(`${block.page}:${block.line}: holds DOCS_FILE_END`);
      lines.push(
        `cat > '${block.fileName.replaceAll("'", "'\\''")}' <<'DOCS_FILE_END'`,
        body,
        "DOCS_FILE_END",
      );
    }
    if (block.kind !== "run") continue;
    for (const step of stepsOf(block)) {
      const index = steps.length;
      steps.push({ ...step, index });
      lines.push(`echo ${index} > "$DOCS_OUT/step"`);
      if (step.before !== "") lines.push(local(step.before));
      lines.push("{", local(step.command), `} > "$DOCS_OUT/${index}.out"`);
    }
  }
  return { script: `${lines.join("\n")}\n`, steps };
}

/** Runs the script in `cwd`; resolves with its exit code (null when it was killed at the timeout). */
function runBash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  logPath: string,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const log = openSync(logPath, "a");
    const child = spawn("bash", [script], { cwd, env, detached: true, stdio: ["ignore", log, log] });
    closeSync(log);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, BASH_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const readOr = (path: string, fallback: string) => readFile(path, "utf8").catch(() => fallback);

/** Runs a page's examples; answers what went wrong, one entry per failed step. */
async function runPage(page: string, blocks: DocBlock[]): Promise<string[]> {
  const checkout = await checkoutFor(page);
  const dir = join(checkout, "..");
  const out = join(dir, "out");
  await mkdir(out);
  const needsServer = blocks.some(
    (block) =>
      (block.kind === "run" || block.kind === "file") && block.lines.join("\n").includes(LOCAL_ADDRESS),
  );
  let server: DevServer | undefined;
  try {
    if (needsServer) {
      server = await startDevServer({
        persistTo: join(checkout, ".wrangler", "state"),
        logPath: join(dir, "wrangler-dev.log"),
      });
    }
    const { script, steps } = pageScript(
      blocks,
      server === undefined ? LOCAL_ADDRESS : new URL(server.url).host,
    );
    await writeFile(join(dir, "page.sh"), script);
    const env: NodeJS.ProcessEnv = {
      ...node.env,
      DOCS_OUT: out,
      CURL_HOME: dir,
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_HIDE_BANNER: "true",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      NO_COLOR: "1",
    };
    const logPath = join(dir, "page.log");
    const code = await runBash(join(dir, "page.sh"), checkout, env, logPath);
    const log = async () => (await readOr(logPath, "")).trimEnd().split("\n").slice(-30).join("\n");
    const failures: string[] = [];
    const started = await readOr(join(out, "step"), "");
    if (code !== 0 && started === "") failures.push(`${page}: failed before its first step\n${await log()}`);
    const reached = code === 0 ? steps.length : started === "" ? -1 : Number(started);
    for (const step of steps.slice(0, code === 0 ? steps.length : reached + 1)) {
      const where = `${page}:${step.line}`;
      const output = await readOr(join(out, `${step.index}.out`), "");
      if (step.index === reached && code !== 0) {
        failures.push(
          `${where}: ${code === null ? "did not finish in time" : `exited with code ${code}`}\n${step.before}\n${step.command}\n--- output:\n${output}\n--- log:\n${await log()}`,
        );
        continue;
      }
      const mismatch = step.expected === undefined ? undefined : outputMismatch(step.expected, output);
      if (mismatch !== undefined) failures.push(`${where}:\n${step.command}\n${mismatch}`);
    }
    if (server?.exited === true) failures.push(`wrangler dev exited during the page:\n${server.output()}`);
    return failures;
  } finally {
    await server?.stop();
  }
}

describe.concurrent("the examples of the README and docs/", () => {
  it("follow the convention of docs/testing.md on every page", ({ expect }) => {
    expect(pages.flatMap(({ error }) => (error === undefined ? [] : [error]))).toEqual([]);
    const runnable = pages.filter(({ blocks }) => blocks.some((block) => block.kind === "run"));
    expect(runnable.map(({ page }) => page)).toContain("README.md");
  });

  for (const { page, blocks } of pages) {
    if (!blocks.some((block) => block.kind === "run")) continue;
    it(`${page}: every example runs and prints what the page shows`, {
      timeout: PAGE_TIMEOUT_MS,
    }, async ({ expect }) => {
      const failures = await runPage(page, blocks);
      expect(failures.join("\n\n") || "none").toBe("none");
    });
  }
});
