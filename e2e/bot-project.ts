/**
 * A bot's own project, outside the repository, made as a user makes one: with the machine's Node
 * and npm (never the Node 22 that npm scripts here put first on `PATH`), and the client package
 * packed from this repository and installed from its tarball.
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, cp, mkdir, writeFile } from "node:fs/promises";
import { delimiter, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./client-package/", import.meta.url));
const execFileAsync = promisify(execFile);

/** The machine's own Node: its path, version, and an environment that finds it (and its npm) first. */
export interface PlainNode {
  path: string;
  version: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The first `node` on `PATH` outside any `node_modules/.bin`, with an environment that has none
 * of those directories and none of the `npm_*` settings npm scripts pass to their children.
 */
export async function findPlainNode(): Promise<PlainNode> {
  const dirs = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "" && !dir.split(sep).includes("node_modules"));
  const env: NodeJS.ProcessEnv = { PATH: dirs.join(delimiter) };
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|PATH$|NODE$|INIT_CWD$|NODE_OPTIONS$)/i.test(name)) env[name] = value;
  }
  for (const dir of dirs) {
    const path = join(dir, "node");
    const found = await access(path, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (!found) continue;
    const { stdout } = await execFileAsync(path, ["--version"]);
    return { path, version: stdout.trim(), env };
  }
  throw new Error("no node on PATH outside node_modules/.bin");
}

/**
 * Runs a command with the plain Node's environment and answers its output.
 *
 * @throws when it exits with another code than 0 or outlives `timeoutMs`, with its output.
 */
export async function run(
  node: PlainNode,
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: { ...node.env, ...options.env },
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${String(error)}\n${stdout}${stderr}`);
  }
}

/** What `npm pack --json` says of a tarball. */
export interface Packed {
  tarball: string;
  files: string[];
  size: number;
  unpackedSize: number;
}

/** Packs the client package (its `prepack` builds it) into `destination`. */
export async function packClient(node: PlainNode, destination: string): Promise<Packed> {
  const output = await run(
    node,
    "npm",
    ["pack", "-w", "chat-session-lookup-client", "--json", "--pack-destination", destination],
    { cwd: ROOT },
  );
  const [report] = JSON.parse(output) as {
    filename: string;
    files: { path: string }[];
    size: number;
    unpackedSize: number;
  }[];
  if (report === undefined) throw new Error(`npm pack reported nothing: ${output}`);
  return {
    tarball: join(destination, report.filename),
    files: report.files.map(({ path }) => path).sort(),
    size: report.size,
    unpackedSize: report.unpackedSize,
  };
}

/**
 * Makes a bot project in `dir`: the fixtures, the tarball installed offline (it has no
 * dependencies), and Node's types as a Node project has them (`@types/node`, copied from here).
 */
export async function createBotProject(node: PlainNode, dir: string, tarball: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), `${JSON.stringify({ name: "bot", private: true }, null, 2)}\n`);
  await cp(FIXTURES, dir, { recursive: true });
  await run(node, "npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: dir });
  // After the install, which would remove packages its package.json does not list.
  for (const types of ["@types/node", "undici-types"]) {
    await cp(join(ROOT, "node_modules", types), join(dir, "node_modules", types), { recursive: true });
  }
}

/** The repository's TypeScript compiler, run by the plain Node. */
export const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
