/**
 * The documentation's own checks, fast enough for every `npm test`: the README stays a front door,
 * every page is on its map, every relative link resolves, and the docs runner's parser reads the
 * convention of docs/testing.md (the examples themselves run in e2e/docs-examples.e2e.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { outputMismatch, readBlocks, stepsOf } from "../../e2e/doc-blocks.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DOC_PAGES = readdirSync(join(ROOT, "docs"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/${name}`);
const PAGES = ["README.md", "SECURITY.md", "bench/README.md", ...DOC_PAGES];
const read = (page: string) => readFileSync(join(ROOT, page), "utf8");

/** The anchors GitHub makes of a page's headings (outside code blocks). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading?.[1] === undefined) continue;
    anchors.add(
      heading[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return anchors;
}

/** Every relative link target of a page (images included), outside code blocks and code spans. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? "")
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe("the README", () => {
  it("stays a front door: at most 12,000 bytes", () => {
    expect(Buffer.byteLength(read("README.md"))).toBeLessThanOrEqual(12_000);
  });

  it("names the commands CI runs, and maps every page of docs/", () => {
    const readme = read("README.md");
    const ci = read(".ci/run");
    for (const command of ["npm ci", "npm test", "npm run test:e2e"]) {
      expect(ci).toContain(command);
      expect(readme).toContain(command);
    }
    for (const page of DOC_PAGES) expect(readme, page).toContain(`](${page})`);
  });
});

describe("links between the pages", () => {
  it.each(PAGES)("%s: every relative link and anchor resolves", (page) => {
    const broken: string[] = [];
    for (const link of linksOf(read(page))) {
      const [path = "", anchor] = link.split("#");
      const target = path === "" ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
      if (!existsSync(target)) {
        broken.push(`${link}: no ${relative(ROOT, target)}`);
      } else if (
        anchor !== undefined &&
        statSync(target).isFile() &&
        !anchorsOf(readFileSync(target, "utf8")).has(anchor)
      ) {
        broken.push(`${link}: no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("the docs runner's parser", () => {
  const page = [
    "# A page",
    "",
    "```sh",
    "TOKEN=$(cat .wrangler/state/local-dev-token)",
    'curl "http://127.0.0.1:8787/health"',
    '# → {"status":"ok"}',
    "# a comment, then a command with a two-line output",
    "printf 'a\\nb\\n'",
    "# → a",
    "#   b",
    "echo done",
    "```",
    "",
    "```ts file=bot.ts",
    "console.log(1);",
    "```",
    "",
    "<!-- norun: needs an account -->",
    "```sh",
    "npx wrangler login",
    "```",
    "",
    "```json",
    "{}",
    "```",
  ].join("\n");

  it("reads each block as run, file, skipped or shown", () => {
    const blocks = readBlocks("page.md", page);
    expect(blocks.map(({ kind, line, fileName, reason }) => ({ kind, line, fileName, reason }))).toEqual([
      { kind: "run", line: 3, fileName: undefined, reason: undefined },
      { kind: "file", line: 14, fileName: "bot.ts", reason: undefined },
      { kind: "skip", line: 19, fileName: undefined, reason: "needs an account" },
      { kind: "show", line: 23, fileName: undefined, reason: undefined },
    ]);
  });

  it("cuts a run block into steps at each shown output, the output being the last command's", () => {
    const [block] = readBlocks("page.md", page);
    if (block === undefined) throw new Error("no block");
    expect(stepsOf(block)).toEqual([
      {
        line: 5,
        before: "TOKEN=$(cat .wrangler/state/local-dev-token)",
        command: 'curl "http://127.0.0.1:8787/health"',
        expected: '{"status":"ok"}',
      },
      {
        line: 8,
        before: "# a comment, then a command with a two-line output",
        command: "printf 'a\\nb\\n'",
        expected: "a\nb",
      },
      { line: 11, before: "", command: "echo done" },
    ]);
  });

  it("takes a command with the lines it continues (\\, | or &&) as one", () => {
    const [block] = readBlocks(
      "p.md",
      "```sh\nA=1\ncurl -X PUT \\\n  http://x |\n  tail -n 1\n# → ok\n```\n",
    );
    if (block === undefined) throw new Error("no block");
    expect(stepsOf(block)).toEqual([
      { line: 3, before: "A=1", command: "curl -X PUT \\\n  http://x |\n  tail -n 1", expected: "ok" },
    ]);
  });

  it("refuses a TypeScript block that is neither run nor skipped, and a skip without a reason", () => {
    expect(() => readBlocks("p.md", "```ts\nlet a = 1;\n```\n")).toThrow(/p\.md:1: a ts example must run/);
    expect(() => readBlocks("p.md", "<!-- norun: -->\n```sh\nls\n```\n")).toThrow(/say why/);
    expect(() => readBlocks("p.md", "```sh\nls\n")).toThrow(/never closed/);
    const [block] = readBlocks("p.md", "```sh\n# → 1\n```\n");
    if (block === undefined) throw new Error("no block");
    expect(() => stepsOf(block)).toThrow(/no command before it/);
  });

  it("compares JSON as JSON and text line by line, and says what differs", () => {
    expect(outputMismatch('{"a":1,"b":[2]}', '{ "b": [2], "a": 1 }\n')).toBeUndefined();
    expect(outputMismatch('{"a":1}', '{"a":2}')).toMatch(/expected the JSON \{"a":1\}\n\s+got \{"a":2\}/);
    expect(outputMismatch('{"a":1}', "")).toMatch(/got nothing/);
    expect(outputMismatch('{"a":1}\n{"b":2}', '{ "a": 1 }\n{"b":2}\n')).toBeUndefined();
    expect(outputMismatch('{"a":1}\n{"b":2}', '{"a":1}\n{"b":3}')).toMatch(/line 2/);
    expect(outputMismatch("Session ID: xyz789", "Session ID: xyz789  \n")).toBeUndefined();
    expect(outputMismatch("Session ID: xyz789", "No session found")).toMatch(/line 1/);
    expect(outputMismatch("a\nb", "a")).toMatch(/expected 2 line/);
  });

  it("reads every page of the repository without a convention error", () => {
    for (const name of ["README.md", ...DOC_PAGES]) expect(() => readBlocks(name, read(name))).not.toThrow();
  });
});
