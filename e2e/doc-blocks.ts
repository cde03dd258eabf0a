/**
 * The examples of README.md and docs/*.md, read as the docs runner (e2e/docs-examples.e2e.ts)
 * runs them. The convention (docs/testing.md, "Examples that run"):
 *
 * - a ```sh (or bash, shell) block runs, in page order, in one bash per page;
 * - a line `# → OUTPUT` right after a command is what that command prints on standard output
 *   (a command: a line, and the lines it continues with a trailing `\`, `|` or `&&`); lines
 *   `#   MORE` (three or more spaces) right after it continue the output;
 * - a block whose info string names `file=NAME` (```ts file=bot.ts) is written to NAME, in the
 *   folder the page's commands are in at that point;
 * - `<!-- norun: why -->` on the line before a block skips it; a TypeScript or JavaScript block
 *   must be run (`file=`) or skipped with a reason, so that none is left untested by mistake.
 */

/** What the runner does with a block. */
export type BlockKind = "run" | "file" | "skip" | "show";

export interface DocBlock {
  /** The page, relative to the repository, such as `docs/tokens.md`. */
  page: string;
  /** The line of the opening fence, from 1. */
  line: number;
  /** The fence's language, lower case (`sh`, `ts`, `json`…). */
  language: string;
  kind: BlockKind;
  /** For `file`: where to write it, relative to the commands' folder. */
  fileName?: string;
  /** For `skip`: the reason given in the marker. */
  reason?: string;
  /** The lines between the fences. */
  lines: string[];
}

/** Commands up to a shown output (or the block's end), and what the last one must print. */
export interface Step {
  /** The line of `command` in its page. */
  line: number;
  /** The commands before the last one, as written (they must only succeed). */
  before: string;
  /** The last command, as written: the one whose output the page shows. */
  command: string;
  /** What `command` must print (the `# →` line and its continuation), if the page shows it. */
  expected?: string;
}

const RUN_LANGUAGES = new Set(["sh", "bash", "shell"]);
const CODE_LANGUAGES = new Set(["ts", "typescript", "js", "javascript", "mjs", "cjs"]);
const NORUN = /^<!--\s*norun:\s*(.*?)\s*-->$/;
const FENCE = /^```(\S*)\s*(.*)$/;
const EXPECTED = /^# → (.*)$/;
const CONTINUED = /^# {3,}(.*)$/;

/**
 * The fenced blocks of a Markdown page, each with what the runner does with it.
 *
 * @throws when a fence is left open, a `norun` marker gives no reason, or a TypeScript or
 *   JavaScript block is neither a `file=` block nor skipped.
 */
export function readBlocks(page: string, markdown: string): DocBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  let index = 0;
  while (index < lines.length) {
    const open = FENCE.exec(lines[index] ?? "");
    if (open === null) {
      index += 1;
      continue;
    }
    const line = index + 1;
    const language = (open[1] ?? "").toLowerCase();
    const fileName = /(?:^|\s)file=(\S+)/.exec(open[2] ?? "")?.[1];
    const close = lines.findIndex((text, at) => at > index && /^```\s*$/.test(text));
    if (close === -1) throw new Error(`${page}:${line}: a code block is never closed`);
    const before = lines
      .slice(0, index)
      .reverse()
      .find((text) => text.trim() !== "");
    const marker = NORUN.exec(before?.trim() ?? "");
    if (marker !== null && marker[1] === "") {
      throw new Error(`${page}:${line}: say why a block is not run: <!-- norun: why -->`);
    }
    const kind: BlockKind =
      marker !== null
        ? "skip"
        : fileName !== undefined
          ? "file"
          : RUN_LANGUAGES.has(language)
            ? "run"
            : "show";
    if (kind === "show" && CODE_LANGUAGES.has(language)) {
      throw new Error(
        `${page}:${line}: a ${language} example must run (\`\`\`${language} file=NAME) or say why not (<!-- norun: why -->)`,
      );
    }
    blocks.push({
      page,
      line,
      language,
      kind,
      lines: lines.slice(index + 1, close),
      ...(fileName === undefined ? {} : { fileName }),
      ...(marker?.[1] === undefined ? {} : { reason: marker[1] }),
    });
    index = close + 1;
  }
  return blocks;
}

const isCode = (text: string) => text.trim() !== "" && !text.trimStart().startsWith("#");
const continues = (text: string) => /(\\|\||&&)\s*$/.test(text);

/** Where the last command of `lines` starts: its first line, after any it continues. */
function lastCommandStart(lines: string[]): number {
  let at = lines.length - 1;
  while (at > 0 && !isCode(lines[at] ?? "")) at -= 1;
  while (at > 0 && continues(lines[at - 1] ?? "")) at -= 1;
  return at;
}

/**
 * A `run` block cut into steps: each ends at a `# →` line (its expected output) or at the end
 * of the block (no expected output).
 */
export function stepsOf(block: DocBlock): Step[] {
  const steps: Step[] = [];
  let source: string[] = [];
  let first = -1;
  const end = (expected?: string) => {
    const commands = source.some(isCode);
    if (!commands && expected !== undefined) {
      throw new Error(`${block.page}:${block.line + 1 + first}: an output (# →) with no command before it`);
    }
    if (commands) {
      const last = lastCommandStart(source);
      steps.push({
        line: block.line + 1 + first + last,
        before: source.slice(0, last).join("\n"),
        command: source.slice(last).join("\n"),
        ...(expected === undefined ? {} : { expected }),
      });
    }
    source = [];
    first = -1;
  };
  for (let at = 0; at < block.lines.length; at += 1) {
    const text = block.lines[at] ?? "";
    const expected = EXPECTED.exec(text);
    if (expected === null) {
      if (first === -1) first = at;
      source.push(text);
      continue;
    }
    if (first === -1) first = at;
    const output = [expected[1] ?? ""];
    while (at + 1 < block.lines.length) {
      const more = CONTINUED.exec(block.lines[at + 1] ?? "");
      if (more === null) break;
      output.push(more[1] ?? "");
      at += 1;
    }
    end(output.join("\n"));
  }
  end();
  return steps;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, sortKeys(item)]),
    );
  }
  return value;
}

/**
 * Whether a command printed what the page shows. When the shown output is one JSON value, the
 * output must be the same JSON (key order and spacing aside); otherwise they are compared line
 * by line, each line as JSON when the shown line is JSON, else as text (trailing white space aside).
 *
 * @returns `undefined` when they agree, else what differs.
 */
export function outputMismatch(expected: string, actual: string): string | undefined {
  const shown = parseJson(expected);
  if (shown.ok) {
    const got = parseJson(actual);
    return got.ok && sameJson(shown.value, got.value)
      ? undefined
      : `expected the JSON ${expected}\n     got ${actual.trimEnd() === "" ? "nothing" : actual.trimEnd()}`;
  }
  const want = expected.split("\n").map((text) => text.trimEnd());
  const got = actual
    .trimEnd()
    .split("\n")
    .map((text) => text.trimEnd());
  if (want.length !== got.length) {
    return `expected ${want.length} line(s):\n${want.join("\n")}\n     got ${got.length}:\n${got.join("\n")}`;
  }
  for (const [at, line] of want.entries()) {
    const other = got[at] ?? "";
    const json = parseJson(line);
    const otherJson = parseJson(other);
    const same = json.ok ? otherJson.ok && sameJson(json.value, otherJson.value) : line === other;
    if (!same) return `line ${at + 1}: expected ${line}\n     got ${other}`;
  }
  return undefined;
}
