import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const migrations = env.TEST_MIGRATIONS;
const beforeAliases = migrations.filter((migration) => migration.name.startsWith("0000_"));

describe("the migrations", () => {
  it("keep the data stored before aliases, and register every stored chat id as an id of its conversation", async () => {
    const db = env.MIGRATION_DB;
    await applyD1Migrations(db, beforeAliases);
    await db.batch([
      db.prepare("INSERT INTO clients (id, session_id, name) VALUES ('abc123', 'xyz789', 'Acme')"),
      db.prepare(
        "INSERT INTO conversation (id, chat_id, client_id) VALUES ('c-1', '123456789@c.us', 'abc123')",
      ),
      db.prepare("INSERT INTO conversation (id, chat_id, client_id) VALUES ('c-2', '555000111@c.us', NULL)"),
    ]);

    await applyD1Migrations(db, migrations);

    const clients = await db.prepare("SELECT id, session_id, name FROM clients").all();
    expect(clients.results).toEqual([{ id: "abc123", session_id: "xyz789", name: "Acme" }]);
    const conversations = await db
      .prepare("SELECT id, chat_id, client_id FROM conversation ORDER BY id")
      .all();
    expect(conversations.results).toEqual([
      { id: "c-1", chat_id: "123456789@c.us", client_id: "abc123" },
      { id: "c-2", chat_id: "555000111@c.us", client_id: null },
    ]);
    const ids = await db.prepare("SELECT chat_id, conversation_id FROM chat_ids ORDER BY chat_id").all();
    expect(ids.results).toEqual([
      { chat_id: "123456789@c.us", conversation_id: "c-1" },
      { chat_id: "555000111@c.us", conversation_id: "c-2" },
    ]);

    // Conversations stored after the migration are registered too.
    await db.prepare("INSERT INTO conversation (id, chat_id) VALUES ('c-3', '777@lid')").run();
    expect(
      await db.prepare("SELECT conversation_id FROM chat_ids WHERE chat_id = '777@lid'").first(),
    ).toEqual({
      conversation_id: "c-3",
    });
  });
});
