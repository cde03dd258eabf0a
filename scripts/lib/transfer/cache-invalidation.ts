/**
 * After an import commits, the cached answers it made stale go. KV holds found answers only, and
 * an import changes a found answer only by changing a client's session or, with `--move`, a
 * conversation's client (a null client_id never unlinks): the entries to remove are those of every
 * id that a conversation of such a client, or such a conversation, had before the import, in the
 * file or not. They are read before the import writes, into its scratch database, and removed a
 * page at a time. Ids without an answer had no entry, so an import into an empty database removes
 * none.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { D1Connection, LocalKv } from "../d1.ts";
import { type D1Target, runWrangler } from "../wrangler.ts";
import { cacheKeyOf } from "./cache-key.ts";
import type { ImportScratch } from "./scratch.ts";
import { literal, multiRow, readAll } from "./sql.ts";
import { SESSION_CHANGES } from "./write.ts";

const LOCAL_DELETES_IN_FLIGHT = 32;
const KEYS_PER_ROUND = 10_000;

/** Reads into `scratch` every id whose cached answer the plan makes stale; answers how many. */
export async function collectStaleIds(
  db: D1Connection,
  scratch: ImportScratch,
  budget: number,
): Promise<number> {
  const take = (results: Record<string, unknown>[][]) => {
    for (const row of results.flat()) {
      if (typeof row.id === "string")
        scratch.run("INSERT INTO stale (id) VALUES (?) ON CONFLICT DO NOTHING", row.id);
    }
  };
  for (const rows of scratch.pages(SESSION_CHANGES, "", KEYS_PER_ROUND)) {
    const statements = multiRow(
      "SELECT c.chat_id AS id FROM conversation AS v JOIN chat_ids AS c ON c.conversation_id = v.id WHERE v.client_id IN (",
      rows.map((row) => literal(String(row.key))),
      ")",
    );
    take(await readAll(db, statements, budget));
  }
  for (const rows of scratch.pages(
    "SELECT conversation_id AS key FROM plan_moves WHERE conversation_id > ? ORDER BY conversation_id LIMIT ?",
    "",
    KEYS_PER_ROUND,
  )) {
    const statements = multiRow(
      "SELECT chat_id AS id FROM chat_ids WHERE conversation_id IN (",
      rows.map((row) => literal(String(row.key))),
      ")",
    );
    take(await readAll(db, statements, budget));
  }
  scratch.commit();
  return scratch.count("SELECT count(*) FROM stale");
}

/**
 * Removes the cached answers of the stale ids in `scratch`: through the local KV binding, or
 * remotely with `wrangler kv bulk delete`, a file of keys per round.
 *
 * @throws When the removal fails, saying the data is written (and remotely, keeping the keys file,
 *   the command that removes them).
 */
export async function removeCachedAnswers(
  target: D1Target,
  kv: LocalKv | undefined,
  scratch: ImportScratch,
): Promise<void> {
  const total = scratch.count("SELECT count(*) FROM stale");
  if (total === 0) return;
  const failed = (reason: unknown, remedy: string) =>
    new Error(
      `the data is written, but removing ${total} cached answers failed: ${reason instanceof Error ? reason.message : String(reason)}\n` +
        `They expire by themselves within CACHE_TTL_SECONDS${remedy}`,
    );
  for (const rows of scratch.pages(
    "SELECT id AS key FROM stale WHERE id > ? ORDER BY id LIMIT ?",
    "",
    KEYS_PER_ROUND,
  )) {
    const keys = await Promise.all(rows.map((row) => cacheKeyOf(String(row.key))));
    if (!target.remote) {
      try {
        if (kv === undefined) throw new Error("the local KV namespace (binding CACHE) is not open");
        await deleteLocally(kv, keys);
      } catch (error) {
        throw failed(error, ".");
      }
      continue;
    }
    const dir = await mkdtemp(join(tmpdir(), "csl-import-keys-"));
    const file = join(dir, "keys.json");
    await writeFile(file, JSON.stringify(keys), { mode: 0o600 });
    const args = ["kv", "bulk", "delete", file, "--binding", "CACHE", "--remote", "--force"];
    if (target.env) args.push("--env", target.env);
    try {
      runWrangler(args);
    } catch (error) {
      throw failed(error, `; to remove them now: npx wrangler ${args.join(" ")}`);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

async function deleteLocally(kv: LocalKv, keys: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      if (key !== undefined) await kv.delete(key);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOCAL_DELETES_IN_FLIGHT, keys.length) }, worker));
}
