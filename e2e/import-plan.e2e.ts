/**
 * The import's parts, in process and without D1: CSV records, the checks of a line, the problem
 * report, the grouping of lines, the plan over a given stored state (in the import's own scratch
 * database), over-long lines and records, and the SQL's size bounds. The command itself, on a
 * real local D1, is in import-export.e2e.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { conversationIds } from "../scripts/lib/transfer/conversation-ids.ts";
import { type CsvOutcome, CsvReader } from "../scripts/lib/transfer/csv.ts";
import { FileGroups } from "../scripts/lib/transfer/groups.ts";
import { planImport } from "../scripts/lib/transfer/plan.ts";
import { Problems } from "../scripts/lib/transfer/problems.ts";
import { readImportFile } from "../scripts/lib/transfer/read-file.ts";
import { MAX_LINE_BYTES } from "../scripts/lib/transfer/read-lines.ts";
import { type ImportRecord, toRecord } from "../scripts/lib/transfer/records.ts";
import { ImportScratch } from "../scripts/lib/transfer/scratch.ts";
import { multiRow, STATEMENT_BYTES } from "../scripts/lib/transfer/sql.ts";
import type { StoredConversation } from "../scripts/lib/transfer/stored.ts";
import { planStatements } from "../scripts/lib/transfer/write.ts";

const opened: ImportScratch[] = [];
afterEach(() => {
  for (const scratch of opened.splice(0)) scratch.close();
});

function readCsv(text: string): CsvOutcome[] {
  const reader = new CsvReader();
  const outcomes = text.split("\n").map((line, i) => reader.push(i + 1, line));
  return [...outcomes, reader.end()].filter((outcome) => outcome.kind !== "none");
}

function records(lines: Record<string, unknown>[]): ImportRecord[] {
  return lines.map((fields, i) => {
    const result = toRecord(i + 1, fields);
    if (!("record" in result)) throw new Error(`line ${i + 1}: ${result.reasons.join("; ")}`);
    return result.record;
  });
}

/** A stored state: whole conversations (every id of each maps to it), and clients' sessions. */
interface StoredState {
  conversations: (StoredConversation & { ids: string[] })[];
  sessions: Record<string, string>;
}

function storedState(
  conversations: (StoredConversation & { ids: string[] })[],
  sessions: Record<string, string> = {},
): StoredState {
  return { conversations, sessions };
}

/** What the plan in `scratch` would write, as lists. */
function planned(scratch: ImportScratch) {
  const rows = (sql: string) => scratch.all(sql).map((row) => ({ ...row }));
  return {
    conversations: rows(
      "SELECT chat_id AS chatId, client_id AS clientId FROM plan_conversations ORDER BY chat_id",
    ),
    aliases: rows("SELECT alias, owner_chat_id AS ownerChatId FROM plan_aliases ORDER BY alias"),
    links: rows(
      "SELECT conversation_id AS conversationId, client_id AS clientId FROM plan_links ORDER BY conversation_id",
    ),
    moves: rows(
      "SELECT conversation_id AS conversationId, client_id AS clientId, from_client_id AS fromClientId FROM plan_moves ORDER BY conversation_id",
    ),
    merges: rows(
      "SELECT source_id AS sourceId, target_id AS targetId, client_id AS clientId FROM plan_merges ORDER BY source_id",
    ),
    newClients: rows(
      "SELECT c.client_id AS id, c.session_id AS sessionId FROM client_sessions AS c LEFT JOIN stored_sessions AS s USING (client_id) WHERE s.client_id IS NULL ORDER BY c.client_id",
    ),
    sessionChanges: rows(
      "SELECT c.client_id AS id, c.session_id AS sessionId FROM client_sessions AS c JOIN stored_sessions AS s USING (client_id) WHERE s.session_id <> c.session_id ORDER BY c.client_id",
    ),
  };
}

async function plan(lines: Record<string, unknown>[], stored = storedState([]), move = false) {
  const scratch = await ImportScratch.open();
  opened.push(scratch);
  const problems = new Problems();
  const groups = new FileGroups(scratch);
  for (const record of records(lines)) groups.add(record, problems);
  groups.joinRepeats(problems);
  // The stored state, as readStoredState leaves it for the file's ids and clients.
  for (const { ids, ...conversation } of stored.conversations) {
    for (const id of ids) {
      if (scratch.get("SELECT 1 AS found FROM first_of WHERE id = ?", id) === undefined) continue;
      scratch.run(
        "INSERT INTO stored (id, conversation_id, own_chat_id, client_id) VALUES (?, ?, ?, ?)",
        id,
        conversation.id,
        conversation.chatId,
        conversation.clientId,
      );
    }
  }
  for (const [client, session] of Object.entries(stored.sessions)) {
    scratch.run("INSERT INTO stored_sessions (client_id, session_id) VALUES (?, ?)", client, session);
  }
  const summary = planImport(groups, scratch, problems, { move });
  return { result: { ...planned(scratch), summary }, problems, report: problems.report("file"), scratch };
}

describe("CSV records", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, starting at their first line", () => {
    const outcomes = readCsv(
      'chat_id,client_id,session_id,aliases\n"1@c.us","a,b","say ""hi""",\n2@c.us,,,"3@c.us  4@lid"\n5@c.us,c5,"two\nlines",',
    );
    expect(outcomes).toEqual([
      {
        kind: "record",
        line: 2,
        fields: { chat_id: "1@c.us", client_id: "a,b", session_id: 'say "hi"', aliases: [] },
      },
      {
        kind: "record",
        line: 3,
        fields: { chat_id: "2@c.us", client_id: null, aliases: ["3@c.us", "4@lid"] },
      },
      {
        kind: "record",
        line: 4,
        fields: { chat_id: "5@c.us", client_id: "c5", session_id: "two\nlines", aliases: [] },
      },
    ]);
  });

  it("takes the columns in the header's order, aliases optional", () => {
    expect(readCsv("session_id,chat_id,client_id\ns1,1@c.us,c1")).toEqual([
      { kind: "record", line: 2, fields: { session_id: "s1", chat_id: "1@c.us", client_id: "c1" } },
    ]);
  });

  it("reports broken quoting, a wrong field count, an unclosed quote and a wrong header", () => {
    expect(
      readCsv(
        'chat_id,client_id,session_id,aliases\n1@c.us,c"1,s,\n"2@c.us"x,c,s,\n3@c.us,c,s\n"4@c.us,c,s,',
      ),
    ).toEqual([
      { kind: "problem", line: 2, reason: "a quote inside a field that is not quoted" },
      { kind: "problem", line: 3, reason: "a quoted field must end at a comma or the end of the line" },
      {
        kind: "problem",
        line: 4,
        reason: "3 fields, where the header names 4 (chat_id,client_id,session_id,aliases)",
      },
      { kind: "problem", line: 5, reason: "a quoted field is never closed" },
    ]);
    const [header] = readCsv("chat,client\n1@c.us,c1");
    expect(header).toMatchObject({ kind: "problem", line: 1 });
    expect(header?.kind === "problem" && header.reason).toContain("the header must name the columns");
  });
});

describe("the checks of a line", () => {
  it("canonicalises the chat id and aliases, drops repeated aliases and the chat id itself", () => {
    expect(
      toRecord(7, {
        chat_id: " 123:4@s.whatsapp.net ",
        client_id: "c1",
        session_id: " s1 ",
        aliases: ["9:2@lid", "9@lid", "123@c.us"],
      }),
    ).toEqual({
      record: { line: 7, chatId: "123@c.us", clientId: "c1", sessionId: "s1", aliases: ["9@lid"] },
    });
  });

  it("canonicalises every stack's ids: a wa_id, a hosted LID, a BSUID kept as given", () => {
    expect(
      toRecord(3, {
        chat_id: "+16505551234",
        client_id: null,
        aliases: ["US.13491208655302741918", "98765:99@hosted.lid", "16505551234:99@hosted"],
      }),
    ).toEqual({
      record: {
        line: 3,
        chatId: "16505551234@c.us",
        clientId: null,
        sessionId: null,
        aliases: ["US.13491208655302741918", "98765@lid"],
      },
    });
  });

  it.each([
    [{ client_id: null }, "chat_id is missing"],
    [{ chat_id: 5, client_id: null }, "chat_id must be a string, not 5"],
    [{ chat_id: "hello", client_id: null }, 'chat_id "hello" is not a WhatsApp chat id'],
    [{ chat_id: "1@c.us" }, "client_id is missing"],
    [{ chat_id: "1@c.us", client_id: "bad id", session_id: "s" }, 'client_id "bad id" is not a client id'],
    [{ chat_id: "1@c.us", client_id: "c1" }, "session_id is missing"],
    [{ chat_id: "1@c.us", client_id: null, session_id: "s" }, "without a client_id"],
    [{ chat_id: "1@c.us", client_id: "c1", session_id: "x".repeat(129) }, "must be 1-128 characters"],
    [{ chat_id: "1@c.us", client_id: "c1", session_id: "a\u0007" }, "no control characters"],
    [{ chat_id: "1@c.us", client_id: "c1", session_id: "a\ud800" }, "unpaired surrogates"],
    [{ chat_id: "1@c.us", client_id: null, aliases: "2@c.us" }, "aliases must be an array"],
    [{ chat_id: "1@c.us", client_id: null, aliases: ["1-2@g.us"] }, `alias "1-2@g.us" is not a person's id`],
    [{ chat_id: "1@c.us", client_id: null, aliases: ["us.123"] }, `alias "us.123" is not a person's id`],
    [
      { chat_id: "1@newsletter", client_id: null, aliases: ["2@lid"] },
      `chat_id "1@newsletter" is not a person's id: only a person's conversation has aliases`,
    ],
    [{ chat_id: "1@c.us", client_id: null, clientId: "c1" }, 'unknown field "clientId"'],
  ])("refuses %j: %s", (fields, reason) => {
    const result = toRecord(1, fields);
    expect("reasons" in result && result.reasons.join("\n")).toContain(reason);
  });
});

describe("the problem report", () => {
  it("lists the first 20 problems by line, then how many there are in all", () => {
    const problems = new Problems();
    for (let line = 30; line >= 1; line--) problems.add(line, `reason ${line}`);
    const report = problems.report("big.ndjson");
    expect(report.split("\n")[0]).toBe("big.ndjson: 30 problems; nothing was written.");
    expect(report).toContain("  line 1: reason 1\n");
    expect(report).toContain("  line 20: reason 20\n");
    expect(report).not.toContain("line 21:");
    expect(report.split("\n").at(-1)).toBe("  … and 10 more");
  });
});

describe("the plan", () => {
  it("makes lines that share an id one conversation, the first line's chat id its own", async () => {
    const { result, problems } = await plan([
      { chat_id: "1@c.us", client_id: null },
      { chat_id: "2@lid", client_id: "c1", session_id: "s1", aliases: ["1@c.us"] },
      { chat_id: "3@c.us", client_id: null, aliases: ["2@lid"] },
    ]);
    expect(problems.count).toBe(0);
    expect(result.conversations).toEqual([{ chatId: "1@c.us", clientId: "c1" }]);
    expect(result.aliases).toEqual([
      { alias: "2@lid", ownerChatId: "1@c.us" },
      { alias: "3@c.us", ownerChatId: "1@c.us" },
    ]);
    expect(result.newClients).toEqual([{ id: "c1", sessionId: "s1" }]);
  });

  it("refuses one client with two sessions, and one person with two clients, at their lines", async () => {
    const { problems, report } = await plan([
      { chat_id: "1@c.us", client_id: "c1", session_id: "s1" },
      { chat_id: "2@c.us", client_id: "c1", session_id: "s2" },
      { chat_id: "3@c.us", client_id: "c2", session_id: "s3", aliases: ["1@c.us"] },
    ]);
    expect(problems.count).toBe(2);
    expect(report).toContain('line 2: client "c1" has session "s2" here, but "s1" on line 1');
    expect(report).toContain(
      `line 3: "1@c.us" is on line 1 too, where its conversation's client is "c1", not "c2"`,
    );
  });

  it("adds to the stored conversation any id addresses, never unlinking it with a null client", async () => {
    const stored = storedState([{ id: "k1", chatId: "1@c.us", clientId: "c1", ids: ["1@c.us", "2@lid"] }], {
      c1: "s1",
    });
    const { result, problems } = await plan(
      [{ chat_id: "2@lid", client_id: null, aliases: ["3@lid"] }],
      stored,
    );
    expect(problems.count).toBe(0);
    expect(result.conversations).toEqual([]);
    expect(result.links).toEqual([]);
    expect(result.aliases).toEqual([{ alias: "3@lid", ownerChatId: "1@c.us" }]);
    expect(result.summary).toMatchObject({ conversationsUpdated: 1, aliasesAdded: 1 });
  });

  it("merges stored conversations a line spans into the first, keeping their one client", async () => {
    const stored = storedState([
      { id: "k1", chatId: "1@c.us", clientId: null, ids: ["1@c.us"] },
      { id: "k2", chatId: "2@lid", clientId: "c1", ids: ["2@lid"] },
    ]);
    const { result, problems } = await plan(
      [{ chat_id: "1@c.us", client_id: null, aliases: ["2@lid"] }],
      stored,
    );
    expect(problems.count).toBe(0);
    expect(result.links).toEqual([{ conversationId: "k1", clientId: "c1" }]);
    expect(result.merges).toEqual([{ sourceId: "k2", targetId: "k1", clientId: "c1" }]);
    expect(result.summary).toMatchObject({ conversationsUpdated: 1, merges: 1, aliasesAdded: 0 });
  });

  it("refuses what would lose or replace a stored client", async () => {
    const stored = storedState([
      { id: "k1", chatId: "1@c.us", clientId: "c1", ids: ["1@c.us"] },
      { id: "k2", chatId: "2@lid", clientId: "c2", ids: ["2@lid"] },
    ]);
    const { report, problems } = await plan(
      [
        { chat_id: "1@c.us", client_id: "c3", session_id: "s3" },
        { chat_id: "5@c.us", client_id: null, aliases: ["1@c.us", "2@lid"] },
      ],
      stored,
    );
    expect(problems.count).toBeGreaterThanOrEqual(1);
    expect(report).toContain(
      'line 1: "1@c.us" belongs in the database to a conversation of client "c1", not "c3"',
    );
  });

  it("refuses two stored conversations of two clients named by one line", async () => {
    const stored = storedState([
      { id: "k1", chatId: "1@c.us", clientId: "c1", ids: ["1@c.us"] },
      { id: "k2", chatId: "2@lid", clientId: "c2", ids: ["2@lid"] },
    ]);
    const { report } = await plan([{ chat_id: "1@c.us", client_id: null, aliases: ["2@lid"] }], stored);
    expect(report).toContain(
      'line 1: "1@c.us" and "2@lid" belong in the database to conversations of two clients ("c1", "c2"): merging them would lose a mapping',
    );
  });

  it("refuses aliases of a group that an older version gave one in the database", async () => {
    const stored = storedState([
      { id: "k1", chatId: "120363@g.us", clientId: null, ids: ["120363@g.us", "2@lid"] },
    ]);
    const { result, problems, report } = await plan(
      [{ chat_id: "2@lid", client_id: null, aliases: ["3@lid"] }],
      stored,
    );
    expect(problems.count).toBe(1);
    expect(report).toContain(
      `line 1: "120363@g.us" is not a person's id: only a person's conversation has aliases`,
    );
    expect(result.aliases).toEqual([]);
  });

  it("counts stored clients as created, updated (a new session) or unchanged", async () => {
    const { result } = await plan(
      [
        { chat_id: "1@c.us", client_id: "c1", session_id: "s1" },
        { chat_id: "2@c.us", client_id: "c2", session_id: "new" },
        { chat_id: "3@c.us", client_id: "c3", session_id: "s3" },
      ],
      storedState([], { c1: "s1", c2: "old" }),
    );
    expect(result.sessionChanges).toEqual([{ id: "c2", sessionId: "new" }]);
    expect(result.newClients).toEqual([{ id: "c3", sessionId: "s3" }]);
    expect(result.summary).toMatchObject({ clientsCreated: 1, clientsUpdated: 1, clientsUnchanged: 1 });
  });
});

describe("--move", () => {
  const stored = () =>
    storedState(
      [
        { id: "k1", chatId: "1@c.us", clientId: "c1", ids: ["1@c.us", "1@lid"] },
        { id: "k2", chatId: "2@c.us", clientId: "c2", ids: ["2@c.us"] },
      ],
      { c1: "s1", c2: "s2", c3: "s3" },
    );

  it("without it, a line that puts a stored chat under another client is a problem that says so", async () => {
    const { report } = await plan([{ chat_id: "1@lid", client_id: "c3", session_id: "s3" }], stored());
    expect(report).toContain(
      'line 1: "1@lid" belongs in the database to a conversation of client "c1", not "c3" (--move moves it)',
    );
  });

  it("with it, the chat moves to the file's client, counted as moved", async () => {
    const { result, problems } = await plan(
      [{ chat_id: "1@lid", client_id: "c3", session_id: "s3" }],
      stored(),
      true,
    );
    expect(problems.count).toBe(0);
    expect(result.moves).toEqual([{ conversationId: "k1", clientId: "c3", fromClientId: "c1" }]);
    expect(result.summary).toMatchObject({ conversationsMoved: 1, conversationsUpdated: 1, merges: 0 });
  });

  it("moves every stored conversation of the line, then merges them under the file's client", async () => {
    const { result, problems } = await plan(
      [{ chat_id: "1@c.us", client_id: "c3", session_id: "s3", aliases: ["2@c.us"] }],
      stored(),
      true,
    );
    expect(problems.count).toBe(0);
    expect(result.moves).toEqual([
      { conversationId: "k1", clientId: "c3", fromClientId: "c1" },
      { conversationId: "k2", clientId: "c3", fromClientId: "c2" },
    ]);
    expect(result.merges).toEqual([{ sourceId: "k2", targetId: "k1", clientId: "c3" }]);
    expect(result.summary).toMatchObject({ conversationsMoved: 2, merges: 1 });
  });

  it("never unlinks, and still refuses to merge two clients' conversations for a line without a client", async () => {
    const { result, report } = await plan(
      [{ chat_id: "1@c.us", client_id: null, aliases: ["2@c.us"] }],
      stored(),
      true,
    );
    expect(report).toContain("merging them would lose a mapping");
    const alone = await plan([{ chat_id: "1@c.us", client_id: null }], stored(), true);
    expect(alone.result.moves).toEqual([]);
    expect(alone.result.summary).toMatchObject({ conversationsMoved: 0, conversationsUnchanged: 1 });
    expect(result.moves).toEqual([]);
  });

  it("writes the move before the merge, which checks the clients it was planned on", async () => {
    const { scratch } = await plan(
      [{ chat_id: "1@c.us", client_id: "c3", session_id: "s3", aliases: ["2@c.us"] }],
      stored(),
      true,
    );
    const sql = [...planStatements(scratch, conversationIds())].map((statement) => statement.sql);
    const move = sql.findIndex(
      (text) => text.startsWith("UPDATE conversation SET client_id") && text.includes("'k2','c3'"),
    );
    const merge = sql.findIndex((text) => text.startsWith("UPDATE chat_ids SET conversation_id"));
    expect(move).toBeGreaterThanOrEqual(0);
    expect(merge).toBeGreaterThan(move);
  });
});

describe("lines and records too long to be a conversation", () => {
  const dir = () => mkdtemp(join(tmpdir(), "csl-import-plan-"));

  async function readProblems(name: string, content: string | Buffer) {
    const folder = await dir();
    try {
      const path = join(folder, name);
      await writeFile(path, content);
      const problems = new Problems();
      const records: ImportRecord[] = [];
      const contents = await readImportFile(path, problems, false, (record) => records.push(record));
      return { problems, records, contents, report: problems.report(name) };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  it("skips an over-long line to its end, reports it at its line, and reads the next one", async () => {
    const long = JSON.stringify({
      chat_id: "1@c.us",
      client_id: null,
      aliases: ["x".repeat(MAX_LINE_BYTES)],
    });
    const { report, records, contents } = await readProblems(
      "long.ndjson",
      `${long}\n${JSON.stringify({ chat_id: "2@c.us", client_id: null })}\n`,
    );
    expect(report).toContain("line 1: longer than 1,048,576 bytes: not one conversation");
    expect(records.map((record) => record.chatId)).toEqual(["2@c.us"]);
    expect(contents.lines).toBe(2);
  });

  it("reports a file without a line break at all, whatever its length, as one line too long", async () => {
    const { report, records } = await readProblems("one.ndjson", Buffer.alloc(3 * MAX_LINE_BYTES, "a"));
    expect(report).toContain("line 1: longer than 1,048,576 bytes");
    expect(records).toEqual([]);
  });

  it("stops at a CSV quote never closed, after the record runs over its bound", async () => {
    const body = Array.from({ length: 100_000 }, (_, i) => `${i}@c.us,c,s,`).join("\n");
    const { report, problems } = await readProblems(
      "open.csv",
      `chat_id,client_id,session_id,aliases\n1@c.us,"c,s,\n${body}\n`,
    );
    expect(report).toContain(
      "line 2: a quoted field runs over 1,048,576 characters: a quote is never closed",
    );
    expect(problems.count).toBe(1);
  });
});

describe("the SQL", () => {
  it("keeps every statement under D1's 100,000 bytes, multi-byte values included", () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => `('${"é".repeat(40)}${i}')`);
    const statements = [...multiRow("INSERT INTO t (a) VALUES ", rows)];
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.reduce((sum, statement) => sum + statement.rows, 0)).toBe(rows.length);
    for (const { sql } of statements) expect(Buffer.byteLength(sql)).toBeLessThanOrEqual(STATEMENT_BYTES);
  });

  it("gives new conversations version-7 UUIDs in increasing order", () => {
    const next = conversationIds(Date.UTC(2026, 0, 1));
    const ids = Array.from({ length: 5_000 }, next);
    expect(
      ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)),
    ).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
