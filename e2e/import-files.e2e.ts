/**
 * `npm run import` and `npm run export` refusing what they must refuse, as a user runs them: a
 * wrong command line (exit 2), and files with problems of every kind (exit 1, with the report).
 * Both are answered before any database is opened: the state directory a run would create must
 * still not exist afterwards. (Remote runs on placeholder ids: deploy.e2e.ts.)
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScript } from "./run-script.ts";

let workDir: string;
/** A state directory no run may create. */
let untouched: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "csl-import-files-"));
  untouched = join(workDir, "never-created");
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(workDir, name);
  await writeFile(path, content);
  return path;
}

const importer = (...args: string[]) => runScript("import.ts", [...args, "--persist-to", untouched]);

describe("the import and export command lines", () => {
  it("answers mistakes with the usage and exit code 2, before opening any database", async () => {
    const valid = await file("valid.ndjson", '{"chat_id":"1@c.us","client_id":null}\n');
    const cases: [string[], string][] = [
      [[], "error: no FILE given"],
      [[join(workDir, "missing.ndjson")], "missing.ndjson: no such file"],
      [[workDir], "not a file"],
      [[valid, "--persit-to", untouched], "error: unknown option --persit-to"],
      [[valid, "valid.ndjson"], 'unexpected argument "valid.ndjson"'],
      [[valid, "--dry-run=yes"], "--dry-run takes no value"],
      [[valid, "--env"], "--env needs a value"],
    ];
    for (const [args, message] of cases) {
      const result = await runScript("import.ts", [...args, "--persist-to", untouched]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain("Usage: npm run import -- FILE [options]");
      expect(result.stdout).toBe("");
    }
    const remoteLocal = await runScript("import.ts", [valid, "--remote", "--persist-to", untouched]);
    expect(remoteLocal.code).toBe(2);
    expect(remoteLocal.stderr).toContain("--persist-to applies to the local D1 only");
    const exportExtra = await runScript("export.ts", ["out.ndjson", "--persist-to", untouched]);
    expect(exportExtra.code).toBe(2);
    expect(exportExtra.stderr).toContain('unexpected argument "out.ndjson"');
    expect(existsSync(untouched)).toBe(false);
  });

  it.each([
    ["import.ts", "--help", "Usage: npm run import -- FILE [options]"],
    ["import.ts", "-h", "Usage: npm run import -- FILE [options]"],
    ["export.ts", "--help", "Usage: npm run export -- [--out FILE] [options]"],
  ])("%s %s prints the usage and exits 0", async (script, flag, usage) => {
    const result = await runScript(script, [flag]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(usage);
    expect(result.stderr).toBe("");
  });
});

describe("a file with problems", () => {
  it("writes nothing and reports every kind of problem at its line", async () => {
    const lines = [
      '{"chat_id":"1@c.us","client_id":"c1","session_id":"s1"}',
      "{not json",
      "[1,2]",
      '{"chat_id":"hello","client_id":null}',
      '{"client_id":null}',
      '{"chat_id":"2@c.us"}',
      '{"chat_id":"3@c.us","client_id":"has space","session_id":"s"}',
      '{"chat_id":"4@c.us","client_id":"c4"}',
      '{"chat_id":"5@c.us","client_id":null,"session_id":"s5"}',
      `{"chat_id":"6@c.us","client_id":"c6","session_id":"${"x".repeat(129)}"}`,
      '{"chat_id":"7@c.us","client_id":"c7","session_id":"a\\u0000b"}',
      '{"chat_id":"8@c.us","client_id":"c8","session_id":"\\ud800"}',
      '{"chat_id":"9@c.us","client_id":null,"aliases":["1-2@g.us"]}',
      '{"chat_id":"10@c.us","client_id":null,"aliases":"11@c.us"}',
      '{"chat_id":"12@c.us","client_id":"c1","session_id":"s2"}',
      '{"chat_id":"13@c.us","client_id":"c9","session_id":"s9","aliases":["1@c.us"]}',
      '{"chat_id":"14@c.us","client_id":7}',
      '{"chat_id":"15@c.us","client_id":null,"extra":true}',
    ];
    const path = await file(
      "bad.ndjson",
      Buffer.concat([Buffer.from(`${lines.join("\n")}\n`), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]),
    );
    const result = await importer(path);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    for (const expected of [
      "line 2: not valid JSON",
      "line 3: not a JSON object",
      'line 4: chat_id "hello" is not a WhatsApp chat id',
      "line 5: chat_id is missing",
      "line 6: client_id is missing",
      'line 7: client_id "has space" is not a client id',
      "line 8: session_id is missing: a line with a client_id needs the client's session",
      'line 9: session_id "s5" without a client_id',
      "line 10: session_id",
      "line 11: session_id",
      "line 12: session_id",
      'line 13: alias "1-2@g.us" is not a person\'s id',
      'line 14: aliases must be an array of chat ids, not "11@c.us"',
      'line 15: client "c1" has session "s2" here, but "s1" on line 1',
      `line 16: "1@c.us" is on line 1 too, where its conversation's client is "c1", not "c9"`,
      "line 17: client_id must be a string or null, not 7",
      "line 17: session_id is missing",
      'line 18: unknown field "extra"',
      "line 19: not valid UTF-8",
    ]) {
      expect(result.stderr).toContain(expected);
    }
    expect(result.stderr).toContain("bad.ndjson: 19 problems; nothing was written.");
    expect(existsSync(untouched)).toBe(false);
  });

  it("reads CSV with quoted commas, quotes and line breaks, and reports its problems at their lines", async () => {
    const path = await file(
      "bad.csv",
      [
        "chat_id,client_id,session_id,aliases",
        '"1@c.us","c1","session, ""one""","2@lid 3@c.us"',
        '4@c.us,"a,b",s4,',
        '5@c.us,c5,"two',
        'lines",',
        "6@c.us,c6,s6",
        '7@c.us,c"7,s7,',
        '"8@c.us,c8,s8,',
      ].join("\r\n"),
    );
    const result = await importer(path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 3: client_id "a,b" is not a client id');
    expect(result.stderr).toContain('line 4: session_id "two\\nlines" must be 1-128 characters');
    expect(result.stderr).toContain("line 6: 3 fields, where the header names 4");
    expect(result.stderr).toContain("line 7: a quote inside a field that is not quoted");
    expect(result.stderr).toContain("line 8: a quoted field is never closed");
    expect(result.stderr).toContain("bad.csv: 5 problems; nothing was written.");
    expect(result.stderr).not.toContain("line 2:");
    expect(existsSync(untouched)).toBe(false);
  });

  it("lists the first 20 problems and counts them all", async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `{"chat_id":"bad-${i}","client_id":null}`);
    const result = await importer(await file("many.ndjson", `${lines.join("\n")}\n`));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("many.ndjson: 25 problems; nothing was written.");
    expect(result.stderr).toContain('line 20: chat_id "bad-19" is not a WhatsApp chat id');
    expect(result.stderr).not.toContain("line 21:");
    expect(result.stderr).toContain("… and 5 more");
    expect(existsSync(untouched)).toBe(false);
  });
});
