/**
 * The migrations that number ids in the order they were added (chat_ids.added_seq), over data
 * stored before them: every row kept as it was, numbered in the order it was inserted.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findSessionsByChatIds } from "../../src/cache/lookups/lookup.repository";
import { deleteId } from "../../src/conversations/conversations.repository";
import { openPrimarySession } from "../../src/db/client";

const migrations = env.TEST_MIGRATIONS;
const firstNumbering = migrations.findIndex((migration) =>
  migration.name.endsWith("_chat_ids_added_seq.sql"),
);
const beforeNumbering = migrations.slice(0, firstNumbering);

describe("the migrations that number ids", () => {
  it("keep every stored id, its conversation and its answer, numbered in the order it was inserted", async () => {
    expect(firstNumbering).toBeGreaterThan(0);
    const db = env.MIGRATION_DB;
    await applyD1Migrations(db, beforeNumbering);
    await db.batch([
      db.prepare("INSERT INTO clients (id, session_id) VALUES ('abc123', 'xyz789')"),
      db.prepare(
        "INSERT INTO conversation (id, chat_id, client_id) VALUES ('c-1', '5511999999999@c.us', 'abc123')",
      ),
      db.prepare("INSERT INTO conversation (id, chat_id, client_id) VALUES ('c-2', '222222222@lid', NULL)"),
      db.prepare("INSERT INTO chat_ids (chat_id, conversation_id) VALUES ('333333333@lid', 'c-1')"),
      db.prepare("INSERT INTO chat_ids (chat_id, conversation_id) VALUES ('5511888888888@c.us', 'c-1')"),
      db.prepare("DELETE FROM chat_changes"),
    ]);
    const before = await db.prepare("SELECT chat_id, conversation_id FROM chat_ids ORDER BY chat_id").all();
    const conversationsBefore = await db.prepare("SELECT * FROM conversation ORDER BY id").all();

    await applyD1Migrations(db, migrations);

    expect(
      (await db.prepare("SELECT chat_id, conversation_id FROM chat_ids ORDER BY chat_id").all()).results,
    ).toEqual(before.results);
    expect((await db.prepare("SELECT * FROM conversation ORDER BY id").all()).results).toEqual(
      conversationsBefore.results,
    );
    const numbered = await db.prepare("SELECT chat_id, added_seq FROM chat_ids ORDER BY added_seq").all();
    expect(numbered.results).toEqual([
      { chat_id: "5511999999999@c.us", added_seq: 1 },
      { chat_id: "222222222@lid", added_seq: 2 },
      { chat_id: "333333333@lid", added_seq: 3 },
      { chat_id: "5511888888888@c.us", added_seq: 4 },
    ]);
    // Numbering changed no answer: nothing is recorded for the caches to refresh.
    expect((await db.prepare("SELECT count(*) AS n FROM chat_changes").first())?.n).toBe(0);

    // The stored ids answer as before.
    const session = openPrimarySession(db).db;
    const answers = await findSessionsByChatIds(session, ["333333333@lid", "222222222@lid"]);
    expect(Object.fromEntries(answers)).toEqual({
      "333333333@lid": { status: "found", record: { id: "abc123", session_id: "xyz789" } },
      "222222222@lid": { status: "client-not-found" },
    });

    // A conversation stored now is numbered after them; a moved id is still recorded as changed.
    await db.prepare("INSERT INTO conversation (id, chat_id) VALUES ('c-3', '777777777@lid')").run();
    expect(
      await db.prepare("SELECT added_seq FROM chat_ids WHERE chat_id = '777777777@lid'").first(),
    ).toEqual({
      added_seq: 5,
    });
    await db.prepare("UPDATE chat_ids SET conversation_id = 'c-3' WHERE chat_id = '222222222@lid'").run();
    const changed = await db.prepare("SELECT DISTINCT chat_id FROM chat_changes ORDER BY chat_id").all();
    expect(changed.results).toEqual([{ chat_id: "222222222@lid" }, { chat_id: "777777777@lid" }]);

    // Removing a stored conversation's chat id picks the phone-number id it got first.
    expect(await deleteId(session, "333333333@lid", "5511999999999@c.us")).toEqual({
      conversation: true,
      had: true,
      removed: true,
    });
    expect(await db.prepare("SELECT chat_id FROM conversation WHERE id = 'c-1'").first()).toEqual({
      chat_id: "5511888888888@c.us",
    });
  });
});
