/**
 * `npm run import` and `npm run export` on local D1s, as a user runs them, each test on its own
 * throwaway state directory: the round trip to the same bytes, a second run that changes
 * nothing, merges with stored data, conflicts with it, `--dry-run`, the cached answers an import
 * makes stale, and a run cut short by a failing request, then completed by running it again.
 * Their own directories let the tests run two at a time.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openD1 } from "../scripts/lib/d1.ts";
import { cacheKeyOf } from "../scripts/lib/transfer/cache-key.ts";
import { exportConversations } from "../scripts/lib/transfer/export-run.ts";
import { runScript, type ScriptResult } from "./run-script.ts";

const SLOW = { timeout: 240_000 };

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "csl-import-export-"));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const lines = (...objects: object[]) => `${objects.map((object) => JSON.stringify(object)).join("\n")}\n`;

async function file(name: string, content: string): Promise<string> {
  const path = join(workDir, name);
  await writeFile(path, content);
  return path;
}

function importFile(path: string, state: string, ...options: string[]): Promise<ScriptResult> {
  return runScript("import.ts", [path, "--persist-to", join(workDir, state), ...options], {
    timeoutMs: 180_000,
  });
}

/** Every conversation of a state directory, as `npm run export` writes them to standard output. */
async function exportedByCli(state: string): Promise<string> {
  const result = await runScript("export.ts", ["--persist-to", join(workDir, state)], { timeoutMs: 120_000 });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** The same, in this process: the checks between runs need not start wrangler each time. */
async function exported(state: string): Promise<string> {
  const out = join(workDir, `${state}.export.ndjson`);
  const db = await openD1({ remote: false, persistTo: join(workDir, state) });
  try {
    await exportConversations(db, out);
  } finally {
    await db.close();
  }
  return readFile(out, "utf8");
}

/** The counts of an import's summary. */
function summary(result: ScriptResult) {
  expect(result.code, result.stderr).toBe(0);
  const count = (pattern: RegExp) =>
    Number(pattern.exec(result.stdout)?.[1]?.replaceAll(",", "") ?? Number.NaN);
  return {
    created: count(/conversations: +([\d,]+) created/),
    updated: count(/conversations: +[\d,]+ created, ([\d,]+) updated/),
    unchanged: count(/conversations: +[\d,]+ created, [\d,]+ updated, ([\d,]+) unchanged/),
    merges: count(/merges: +([\d,]+)/),
    moved: count(/moved: +([\d,]+) to another client/),
    aliases: count(/aliases added: +([\d,]+)/),
    clientsCreated: count(/clients: +([\d,]+) created/),
    clientsUpdated: count(/clients: +[\d,]+ created, ([\d,]+) updated/),
    cacheEntries: count(/KV entries (?:removed|to remove): +([\d,]+)/),
  };
}

/** Everything a summary says was (or would be) changed, added up. */
function changes(counts: ReturnType<typeof summary>): number {
  const { created, updated, merges, aliases, clientsCreated, clientsUpdated } = counts;
  return created + updated + merges + aliases + clientsCreated + clientsUpdated;
}

/** What the export of the round trip's file gives: canonical ids, chat id order, aliases sorted. */
const ROUND_TRIP_EXPORT = lines(
  { chat_id: "120363012345678901@g.us", client_id: "acme", session_id: "s-1", aliases: [] },
  {
    chat_id: "491511111111@c.us",
    client_id: "acme",
    session_id: "s-1",
    aliases: ["200000000000001@lid", "491522222222@c.us"],
  },
  { chat_id: "491533333333@c.us", client_id: null, session_id: null, aliases: [] },
  {
    chat_id: "491544444444@c.us",
    client_id: "bolt",
    session_id: 'sess "two", é',
    aliases: ["200000000000004@lid"],
  },
  {
    chat_id: "491555555555@c.us",
    client_id: "bolt",
    session_id: 'sess "two", é',
    aliases: ["200000000000005@lid", "DE.aB12cD34"],
  },
  { chat_id: "900000000000009@lid", client_id: null, session_id: null, aliases: ["491599999999@c.us"] },
);

describe.concurrent("export, import into an empty database, export", () => {
  it("gives the same bytes, and importing the same file again changes nothing", SLOW, async () => {
    const source = await file(
      "source.ndjson",
      lines(
        {
          chat_id: "491511111111:12@s.whatsapp.net",
          client_id: "acme",
          session_id: "s-1",
          aliases: ["200000000000001:3@lid"],
        },
        { chat_id: "491533333333@c.us", client_id: null },
        { chat_id: "491522222222@s.whatsapp.net", client_id: null, aliases: ["200000000000001@lid"] },
        { chat_id: "120363012345678901@g.us", client_id: "acme", session_id: "s-1" },
        {
          chat_id: "491544444444@c.us",
          client_id: "bolt",
          session_id: ' sess "two", é ',
          aliases: ["200000000000004@lid"],
        },
        // A Cloud API person: a wa_id with its +, a business-scoped user id, a hosted device.
        {
          chat_id: "+491555555555",
          client_id: "bolt",
          session_id: ' sess "two", é ',
          aliases: ["DE.aB12cD34", "200000000000005:99@hosted.lid", "491555555555:99@hosted"],
        },
        { chat_id: "900000000000009@lid", client_id: null, session_id: null, aliases: ["491599999999@c.us"] },
      ),
    );
    const created = { created: 6, updated: 0, aliases: 6, clientsCreated: 2, cacheEntries: 0 };
    expect(summary(await importFile(source, "round-a"))).toMatchObject(created);
    const exportA = await exportedByCli("round-a");
    expect(exportA).toBe(ROUND_TRIP_EXPORT);

    const out = join(workDir, "round-a.ndjson");
    const written = await runScript("export.ts", ["--persist-to", join(workDir, "round-a"), "--out", out]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stderr).toContain("Exported 6 conversations");
    expect(await readFile(out, "utf8")).toBe(exportA);
    // It holds phone numbers: readable by its owner only.
    expect((await stat(out)).mode & 0o777).toBe(0o600);

    expect(summary(await importFile(out, "round-b"))).toMatchObject(created);
    expect(await exported("round-b")).toBe(exportA);

    const again = summary(await importFile(source, "round-a"));
    expect(changes(again)).toBe(0);
    expect(again.unchanged).toBe(6);
    expect(await exported("round-a")).toBe(exportA);
  });
});

describe.concurrent("an import over stored data", () => {
  it("merges, refuses conflicts whole, and writes nothing on --dry-run", SLOW, async () => {
    const base = await file(
      "base.ndjson",
      lines(
        { chat_id: "100@c.us", client_id: "acme", session_id: "s1" },
        { chat_id: "200@lid", client_id: null },
        { chat_id: "300@c.us", client_id: "other", session_id: "s2" },
      ),
    );
    summary(await importFile(base, "merge"));
    const before = await exported("merge");

    const conflict = await file(
      "conflict.ndjson",
      lines(
        { chat_id: "400@c.us", client_id: null },
        { chat_id: "300@s.whatsapp.net", client_id: "acme", session_id: "s1" },
      ),
    );
    const refused = await importFile(conflict, "merge");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'line 2: "300@c.us" belongs in the database to a conversation of client "other", not "acme"',
    );
    expect(refused.stderr).toContain("1 problem; nothing was written.");

    const merging = await file(
      "merging.ndjson",
      lines(
        { chat_id: "100@c.us", client_id: null, aliases: ["200@lid", "201@lid"] },
        { chat_id: "500@c.us", client_id: null },
      ),
    );
    const dryRun = await importFile(merging, "merge", "--dry-run");
    expect(dryRun.stdout).toContain("Dry run: nothing was written.");
    expect(summary(dryRun)).toMatchObject({ created: 1, updated: 1, merges: 1, aliases: 1 });
    expect(await exported("merge")).toBe(before);

    expect(summary(await importFile(merging, "merge"))).toMatchObject({
      created: 1,
      updated: 1,
      merges: 1,
      aliases: 1,
    });
    expect(await exported("merge")).toBe(
      lines(
        { chat_id: "100@c.us", client_id: "acme", session_id: "s1", aliases: ["200@lid", "201@lid"] },
        { chat_id: "300@c.us", client_id: "other", session_id: "s2", aliases: [] },
        { chat_id: "500@c.us", client_id: null, session_id: null, aliases: [] },
      ),
    );
  });

  it(
    "removes the cached answers a session change made stale, in the file or not, and no others",
    SLOW,
    async () => {
      const base = await file(
        "cache-base.ndjson",
        lines(
          { chat_id: "100@c.us", client_id: "acme", session_id: "s1" },
          { chat_id: "101@c.us", client_id: "acme", session_id: "s1", aliases: ["9101@lid"] },
          { chat_id: "500@c.us", client_id: "zeta", session_id: "z1" },
        ),
      );
      summary(await importFile(base, "cache"));
      const ids = ["100@c.us", "101@c.us", "9101@lid", "500@c.us"];
      const persistTo = join(workDir, "cache");
      const cached = async () => {
        const db = await openD1({ remote: false, persistTo });
        try {
          const values = await Promise.all(
            ids.map(async (id) => (await db.kv?.get(await cacheKeyOf(id))) ?? null),
          );
          return Object.fromEntries(ids.map((id, i) => [id, values[i] !== null]));
        } finally {
          await db.close();
        }
      };
      const db = await openD1({ remote: false, persistTo });
      try {
        for (const id of ids)
          await db.kv?.put(await cacheKeyOf(id), JSON.stringify({ id: "x", session_id: "old" }));
      } finally {
        await db.close();
      }
      expect(await cached()).toEqual({
        "100@c.us": true,
        "101@c.us": true,
        "9101@lid": true,
        "500@c.us": true,
      });

      const change = await file(
        "cache-change.ndjson",
        lines({ chat_id: "100@c.us", client_id: "acme", session_id: "s2" }),
      );
      expect(summary(await importFile(change, "cache"))).toMatchObject({
        unchanged: 1,
        clientsUpdated: 1,
        cacheEntries: 3,
      });
      expect(await cached()).toEqual({
        "100@c.us": false,
        "101@c.us": false,
        "9101@lid": false,
        "500@c.us": true,
      });
    },
  );
});

describe.concurrent("--move", () => {
  it(
    "moves stored chats to the file's client, counted and recorded as the import's events, and clears their cache",
    SLOW,
    async () => {
      const base = await file(
        "move-base.ndjson",
        lines(
          { chat_id: "100@c.us", client_id: "acme", session_id: "s1", aliases: ["9100@lid"] },
          { chat_id: "200@c.us", client_id: "acme", session_id: "s1" },
          { chat_id: "300@c.us", client_id: "zeta", session_id: "z1" },
        ),
      );
      summary(await importFile(base, "move"));
      const persistTo = join(workDir, "move");
      const db = await openD1({ remote: false, persistTo });
      try {
        for (const id of ["100@c.us", "9100@lid", "300@c.us"])
          await db.kv?.put(await cacheKeyOf(id), JSON.stringify({ id: "acme", session_id: "s1" }));
      } finally {
        await db.close();
      }
      const sync = await file(
        "move-sync.ndjson",
        lines(
          { chat_id: "100@c.us", client_id: "zeta", session_id: "z1" },
          { chat_id: "200@c.us", client_id: "acme", session_id: "s1" },
        ),
      );
      const refused = await importFile(sync, "move");
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        '"100@c.us" belongs in the database to a conversation of client "acme", not "zeta" (--move moves it)',
      );

      const dryRun = summary(await importFile(sync, "move", "--move", "--dry-run"));
      expect(dryRun).toMatchObject({ moved: 1, updated: 1, unchanged: 1, cacheEntries: 2 });
      const moved = summary(await importFile(sync, "move", "--move"));
      expect(moved).toMatchObject({ moved: 1, updated: 1, unchanged: 1, cacheEntries: 2 });
      expect(await exported("move")).toBe(
        lines(
          { chat_id: "100@c.us", client_id: "zeta", session_id: "z1", aliases: ["9100@lid"] },
          { chat_id: "200@c.us", client_id: "acme", session_id: "s1", aliases: [] },
          { chat_id: "300@c.us", client_id: "zeta", session_id: "z1", aliases: [] },
        ),
      );
      const after = await openD1({ remote: false, persistTo });
      try {
        const entries = await Promise.all(
          ["100@c.us", "9100@lid", "300@c.us"].map(
            async (id) => (await after.kv?.get(await cacheKeyOf(id))) !== null,
          ),
        );
        expect(entries).toEqual([false, false, true]);
        const events = await after.query(
          "SELECT type, actor, before, after FROM events WHERE chat_id = '100@c.us' ORDER BY seq",
        );
        expect(events).toEqual([
          {
            type: "conversation.linked",
            actor: "import",
            before: null,
            after: '{"client_id":"acme","session_id":"s1"}',
          },
          { type: "alias.added", actor: "import", before: null, after: '{"alias":"9100@lid"}' },
          {
            type: "conversation.linked",
            actor: "import",
            before: '{"client_id":"acme","session_id":"s1"}',
            after: '{"client_id":"zeta","session_id":"z1"}',
          },
        ]);
      } finally {
        await after.close();
      }
      // The same sync again changes nothing.
      const again = summary(await importFile(sync, "move", "--move"));
      expect(changes(again) + again.moved).toBe(0);
    },
  );
});

describe.concurrent("a run cut short", () => {
  it("says how far it got, and running it again completes it", SLOW, async () => {
    // In export form and order, large enough for several requests: a complete import exports it as is.
    const count = 40_000;
    const rows = Array.from({ length: count }, (_, i) => {
      const phone = 491_700_000_000 + i;
      const client = `client-${i % 500}`;
      return {
        chat_id: `${phone}@c.us`,
        client_id: i % 10 === 9 ? null : client,
        session_id: i % 10 === 9 ? null : `session-${i % 500}`,
        aliases: i % 3 === 0 ? [`${300_000_000_000_000 + i}@lid`] : [],
      };
    });
    const content = lines(...rows);
    const path = await file("large.ndjson", content);
    const last = rows.at(-1)?.chat_id ?? "";

    await importFile(await file("empty.ndjson", ""), "cut");
    const persistTo = join(workDir, "cut");
    const fault = async (sql: string) => {
      const db = await openD1({ remote: false, persistTo });
      try {
        await db.query(sql);
      } finally {
        await db.close();
      }
    };
    await fault(
      `CREATE TRIGGER injected_fault BEFORE INSERT ON chat_ids WHEN NEW.chat_id = '${last}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END;`,
    );
    const failed = await importFile(path, "cut");
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/writing request (\d+) failed: .*injected fault/);
    expect(failed.stderr).toMatch(
      /Requests 1 to \d+ are written \([\d,]+ of [\d,]+ rows\), the rest is not\./,
    );
    expect(failed.stderr).toContain("run the same import again to complete it");
    const partial = (await exported("cut")).split("\n").filter((line) => line !== "").length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(count);

    await fault("DROP TRIGGER injected_fault;");
    const completed = summary(await importFile(path, "cut"));
    expect(completed.created).toBe(count - partial);
    expect(await exported("cut")).toBe(content);
  });
});
