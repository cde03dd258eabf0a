// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with its declarations, from src/.
// The declarations keep the doc comments an editor shows; the JavaScript drops them, which no
// one reads there, so the package stays small. Plain JavaScript, so that it runs on any Node
// this package supports.
import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
// TypeScript's own `bin` entry: its package exports no path to it.
const typescript = createRequire(import.meta.url).resolve("typescript/package.json");
const require = createRequire(import.meta.url);
const tsc = join(dirname(typescript), require(typescript).bin.tsc);
const run = promisify(execFile);

// Output of a renamed or deleted source must not ship.
await rm(new URL("../dist", import.meta.url), { recursive: true, force: true });
try {
  await Promise.all(
    ["tsconfig.json", "tsconfig.cjs.json"].flatMap((project) => [
      run(process.execPath, [tsc, "-p", project, "--emitDeclarationOnly"], { cwd: root }),
      run(process.execPath, [tsc, "-p", project, "--declaration", "false", "--removeComments"], {
        cwd: root,
      }),
    ]),
  );
} catch (error) {
  process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? error}\n`);
  process.exit(1);
}
// The package is "type": "module": this marks dist/cjs as CommonJS, for Node and TypeScript alike.
await writeFile(new URL("../dist/cjs/package.json", import.meta.url), '{ "type": "commonjs" }\n');
