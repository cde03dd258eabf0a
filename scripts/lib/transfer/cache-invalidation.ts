/**
 * After an import commits, the cached answers it made stale go. KV holds found answers only, and
 * an import changes a found answer only by changing a client's session (a client is never
 * replaced, and a null client_id never unlinks): the entries to remove are those of every id
 * that a conversation of such a client had before the import, in the file or not. Ids without
 * an answer had no entry, so an import into an empty database removes none.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { D1Connection, LocalKv } from "../d1.ts";
import { type D1Target, runWrangler } from "../wrangler.ts";
import { cacheKeyOf } from "./cache-key.ts";
import { literal, multiRow, readAll } from "./sql.ts";

const LOCAL_DELETES_IN_FLIGHT = 32;

/** Every id of every stored conversation of `clients`. */
export async function idsOfClients(
  db: D1Connection,
  clients: readonly string[],
  budget: number,
): Promise<string[]> {
  if (clients.length === 0) return [];
  const statements = multiRow(
    "SELECT c.chat_id AS id FROM conversation AS v JOIN chat_ids AS c ON c.conversation_id = v.id WHERE v.client_id IN (",
    clients.map(literal),
    ")",
  );
  const results = await readAll(db, statements, budget);
  return results.flat().flatMap((row) => (typeof row.id === "string" ? [row.id] : []));
}

/**
 * Removes the cached answers of `chatIds`: through the local KV binding, or remotely with
 * `wrangler kv bulk delete` (which sends them in batches).
 *
 * @throws When the removal fails, saying the data is written (and remotely, keeping the keys file,
 *   the command that removes them).
 */
export async function removeCachedAnswers(
  target: D1Target,
  kv: LocalKv | undefined,
  chatIds: readonly string[],
): Promise<void> {
  if (chatIds.length === 0) return;
  const keys = await Promise.all(chatIds.map(cacheKeyOf));
  const failed = (reason: unknown, remedy: string) =>
    new Error(
      `the data is written, but removing ${keys.length} cached answers failed: ${reason instanceof Error ? reason.message : String(reason)}\n` +
        `They expire by themselves within CACHE_TTL_SECONDS${remedy}`,
    );
  if (!target.remote) {
    try {
      if (kv === undefined) throw new Error("the local KV namespace (binding CACHE) is not open");
      await deleteLocally(kv, keys);
    } catch (error) {
      throw failed(error, ".");
    }
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "csl-import-keys-"));
  const file = join(dir, "keys.json");
  await writeFile(file, JSON.stringify(keys));
  const args = ["kv", "bulk", "delete", file, "--binding", "CACHE", "--remote", "--force"];
  if (target.env) args.push("--env", target.env);
  try {
    runWrangler(args);
  } catch (error) {
    throw failed(error, `; to remove them now: npx wrangler ${args.join(" ")}`);
  }
  await rm(dir, { recursive: true, force: true });
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
