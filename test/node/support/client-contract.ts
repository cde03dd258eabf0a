/**
 * Compares the client package's types with an OpenAPI document: generates the document's types
 * with openapi-typescript, writes a program that states, for each of its operations, that the
 * client has a wire type and a method and that each part of the wire type is the document's
 * (client-contract.types.ts), and runs tsc over it. Each error tsc reports on a statement is one
 * disagreement, named after the operation and part.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import openapiTS from "openapi-typescript";
import type { Part } from "./client-contract.types.ts";

const TSC = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
const TYPES = fileURLToPath(new URL("./client-contract.types.ts", import.meta.url));
const PARTS: Part[] = ["path", "query", "headers", "body", "answer", "error"];
const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** A document as far as this reads it. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string }>>;
}

/** Each operation of `document`: its `operationId`, method (upper case) and path. */
export function operationsOf(document: OpenApiDocument): { id: string; method: string; path: string }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => {
        if (operation.operationId === undefined) throw new Error(`${method} ${path} has no operationId`);
        return { id: operation.operationId, method: method.toUpperCase(), path };
      }),
  );
}

/** The program's checks: each a type that must be `true`, and how to say it is not. */
function checksOf(ids: string[]): { type: string; disagreement: string }[] {
  return ids.flatMap((id) => {
    const name = JSON.stringify(id);
    return [
      {
        type: `HasWireType<${name}>`,
        disagreement: `${id}: no wire type in packages/client/src/operations.ts`,
      },
      { type: `HasMethod<${name}>`, disagreement: `${id}: no method in LookupClient` },
      ...PARTS.map((part) => ({
        type: `Agrees<${name}, operations[${name}], "${part}">`,
        disagreement: `${id}: ${part} differs`,
      })),
    ];
  });
}

/**
 * What disagrees between the client package and `document`, one line each (`getConversation:
 * answer differs`); empty when they agree.
 */
export async function disagreements(document: OpenApiDocument): Promise<string[]> {
  const checks = checksOf(operationsOf(document).map(({ id }) => id));
  const header = [
    'import type { operations } from "./document.ts";',
    `import type { Agrees, HasMethod, HasWireType } from ${JSON.stringify(TYPES)};`,
    "type Expect<T extends true> = T;",
  ];
  // One check a line: tsc's line number of an error names the check.
  const program = [
    ...header,
    ...checks.map(({ type }, index) => `export type Check${index} = Expect<${type}>;`),
  ];

  const directory = await mkdtemp(join(tmpdir(), "client-contract-"));
  try {
    // As a stream of its JSON: openapi-typescript reads a string as a path or a URL.
    const types = await openapiTS(Readable.from([JSON.stringify(document)]));
    await writeFile(join(directory, "document.ts"), types);
    await writeFile(join(directory, "check.ts"), `${program.join("\n")}\n`);
    await writeFile(
      join(directory, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022", "DOM"],
          types: [],
          module: "ESNext",
          moduleResolution: "Bundler",
          allowImportingTsExtensions: true,
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ["check.ts"],
      }),
    );
    const output = await promisify(execFile)(process.execPath, [
      TSC,
      "-p",
      directory,
      "--pretty",
      "false",
    ]).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    const found = new Set<string>();
    for (const line of output.split("\n").filter((text) => text.trim() !== "")) {
      const at = /^(.*)\((\d+),\d+\): error /.exec(line);
      const index = at?.[1]?.endsWith("check.ts") ? Number(at[2]) - header.length - 1 : -1;
      // Anything else (the generated types, the client's sources) is said as tsc said it.
      found.add(index === -1 ? line : (checks[index]?.disagreement ?? line));
    }
    return [...found];
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
