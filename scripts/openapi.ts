/**
 * `npm run openapi`: writes public/openapi.json, the OpenAPI document `/openapi.json`
 * serves, from the routes' own definitions and zod schemas (scripts/lib/openapi-document.ts). Run it
 * after changing a route or a schema; test/openapi.test.ts fails while the file is out of date.
 * `npm run openapi -- --check` only reports whether it is.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TARGET = fileURLToPath(new URL("../public/openapi.json", import.meta.url));

// The routes are TypeScript with bundler-style imports: bundle them for Node, as the Worker is.
const ENTRY = `
import { routes } from "./src/routes";
import { buildOpenApiDocument } from "./scripts/lib/openapi-document";
export const document = buildOpenApiDocument(routes);
`;

/** The document as public/openapi.json holds it. */
export async function generateOpenApiJson(): Promise<string> {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: "ts", sourcefile: "openapi-entry.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    logLevel: "warning",
    // The routes with their documentation (src/with-docs.d.ts).
    define: { WITH_DOCS: "true" },
  });
  const code = result.outputFiles[0]?.text ?? "";
  const module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as {
    document: unknown;
  };
  return `${JSON.stringify(module.document, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
  const generated = await generateOpenApiJson();
  let current = "";
  try {
    current = readFileSync(TARGET, "utf8");
  } catch {
    // No document yet: written below.
  }
  if (values.check) {
    if (current !== generated) {
      console.error("public/openapi.json is out of date: run `npm run openapi`.");
      process.exit(1);
    }
    console.log("public/openapi.json is up to date.");
  } else if (current === generated) {
    console.log("public/openapi.json is up to date.");
  } else {
    writeFileSync(TARGET, generated);
    console.log("Wrote public/openapi.json.");
  }
}
