/**
 * The import's pure parts, in process and without a database: CSV records, the checks of a line,
 * the problem report, the grouping of lines, the plan over a given stored state, and the SQL's
 * size bounds. The command itself, on a real local D1, is in import-export.e2e.ts.
 */
import { describe, expect, it } from "vitest";
import { conversationIds } from "../scripts/lib/transfer/conversation-ids.ts";
import { type CsvOutcome, CsvReader } from "../scripts/lib/transfer/csv.ts";
import { groupRecords } from "../scripts/lib/transfer/groups.ts";
import { type ImportPlan, planImport } from "../scripts/lib/transfer/plan.ts";
import { Problems } from "../scripts/lib/transfer/problems.ts";
import { type ImportRecord, toRecord } from "../scripts/lib/transfer/records.ts";
import { multiRow, STATEMENT_BYTES } from "../scripts/lib/transfer/sql.ts";
import type { StoredConversation, StoredState } from "../scripts/lib/transfer/stored.ts";

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

/** A stored state of whole conversations: every id of each maps to it. */
function storedState(
  conversations: (StoredConversation & { ids: string[] })[],
  sessions: Record<string, string> = {},
): StoredState {
  const byId = new Map<string, StoredConversation>();
  for (const { ids, ...conversation } of conversations) {
    for (const id of ids) byId.set(id, conversation);
  }
  return { conversations: byId, sessions: new Map(Object.entries(sessions)) };
}

function plan(lines: Record<string, unknown>[], stored = storedState([])) {
  const parsed = records(lines);
  const problems = new Problems();
  const grouped = groupRecords(parsed, problems);
  let next = 0;
  const result: ImportPlan = planImport(parsed, grouped, stored, problems, () => `new-${next++}`);
  return { result, problems, report: problems.report("file") };
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
  it("makes lines that share an id one conversation, the first line's chat id its own", () => {
    const { result, problems } = plan([
      { chat_id: "1@c.us", client_id: null },
      { chat_id: "2@lid", client_id: "c1", session_id: "s1", aliases: ["1@c.us"] },
      { chat_id: "3@c.us", client_id: null, aliases: ["2@lid"] },
    ]);
    expect(problems.count).toBe(0);
    expect(result.conversations).toEqual([{ id: "new-0", chatId: "1@c.us", clientId: "c1" }]);
    expect(result.aliases).toEqual([
      { alias: "2@lid", ownerChatId: "1@c.us" },
      { alias: "3@c.us", ownerChatId: "1@c.us" },
    ]);
    expect(result.newClients).toEqual([{ id: "c1", sessionId: "s1" }]);
  });

  it("refuses one client with two sessions, and one person with two clients, at their lines", () => {
    const { problems, report } = plan([
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

  it("adds to the stored conversation any id addresses, never unlinking it with a null client", () => {
    const stored = storedState([{ id: "k1", chatId: "1@c.us", clientId: "c1", ids: ["1@c.us", "2@lid"] }], {
      c1: "s1",
    });
    const { result, problems } = plan([{ chat_id: "2@lid", client_id: null, aliases: ["3@lid"] }], stored);
    expect(problems.count).toBe(0);
    expect(result.conversations).toEqual([]);
    expect(result.links).toEqual([]);
    expect(result.aliases).toEqual([{ alias: "3@lid", ownerChatId: "1@c.us" }]);
    expect(result.summary).toMatchObject({ conversationsUpdated: 1, aliasesAdded: 1 });
  });

  it("merges stored conversations a line spans into the first, keeping their one client", () => {
    const stored = storedState([
      { id: "k1", chatId: "1@c.us", clientId: null, ids: ["1@c.us"] },
      { id: "k2", chatId: "2@lid", clientId: "c1", ids: ["2@lid"] },
    ]);
    const { result, problems } = plan([{ chat_id: "1@c.us", client_id: null, aliases: ["2@lid"] }], stored);
    expect(problems.count).toBe(0);
    expect(result.links).toEqual([{ conversationId: "k1", clientId: "c1" }]);
    expect(result.merges).toEqual([{ sourceId: "k2", targetId: "k1", clientId: "c1" }]);
    expect(result.summary).toMatchObject({ conversationsUpdated: 1, merges: 1, aliasesAdded: 0 });
  });

  it("refuses what would lose or replace a stored client", () => {
    const stored = storedState([
      { id: "k1", chatId: "1@c.us", clientId: "c1", ids: ["1@c.us"] },
      { id: "k2", chatId: "2@lid", clientId: "c2", ids: ["2@lid"] },
    ]);
    const { report, problems } = plan(
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

  it("refuses two stored conversations of two clients named by one line", () => {
    const stored = storedState([
      { id: "k1", chatId: "1@c.us", clientId: "c1", ids: ["1@c.us"] },
      { id: "k2", chatId: "2@lid", clientId: "c2", ids: ["2@lid"] },
    ]);
    const { report } = plan([{ chat_id: "1@c.us", client_id: null, aliases: ["2@lid"] }], stored);
    expect(report).toContain(
      'line 1: "1@c.us" and "2@lid" belong in the database to conversations of two clients ("c1", "c2"): merging them would lose a mapping',
    );
  });

  it("refuses aliases of a group that an older version gave one in the database", () => {
    const stored = storedState([
      { id: "k1", chatId: "120363@g.us", clientId: null, ids: ["120363@g.us", "2@lid"] },
    ]);
    const { result, problems, report } = plan(
      [{ chat_id: "2@lid", client_id: null, aliases: ["3@lid"] }],
      stored,
    );
    expect(problems.count).toBe(1);
    expect(report).toContain(
      `line 1: "120363@g.us" is not a person's id: only a person's conversation has aliases`,
    );
    expect(result.aliases).toEqual([]);
  });

  it("counts stored clients as created, updated (a new session) or unchanged", () => {
    const { result } = plan(
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
