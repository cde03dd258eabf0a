/**
 * Which lines of an import file describe one conversation: lines that share an id (as chat_id
 * or alias) are one person, and so are lines whose ids belong to one conversation in the
 * database. A conversation has one client at most: lines that would give it two are problems,
 * and so is a client given two sessions.
 *
 * Kept in the import's scratch database (scratch.ts): a record's ids as it is read, then the
 * groups, a union-find over the records that share an id with another (the others, nearly all of
 * a file, stay alone and cost no row).
 */
import { type Problems, show } from "./problems.ts";
import type { ImportRecord } from "./records.ts";
import type { ImportScratch } from "./scratch.ts";

/** The groups of records of a file, and how to read them. */
export class FileGroups {
  readonly #scratch: ImportScratch;
  #records = 0;

  constructor(scratch: ImportScratch) {
    this.#scratch = scratch;
  }

  /** How many records were added. */
  get records(): number {
    return this.#records;
  }

  /**
   * Adds the next record of the file: its ids, and its client's session, which must be the one
   * the client's first line gave.
   */
  add(record: ImportRecord, problems: Problems): void {
    const scratch = this.#scratch;
    const n = this.#records++;
    const { line, chatId, clientId, sessionId, aliases } = record;
    scratch.run(
      "INSERT INTO records (n, line, chat_id, client_id, session_id, aliases) VALUES (?, ?, ?, ?, ?, ?)",
      n,
      line,
      chatId,
      clientId,
      sessionId,
      aliases.length === 0 ? null : JSON.stringify(aliases),
    );
    if (clientId !== null && sessionId !== null) {
      const known = scratch.get("SELECT session_id, line FROM client_sessions WHERE client_id = ?", clientId);
      if (known === undefined) {
        scratch.run(
          "INSERT INTO client_sessions (client_id, session_id, line) VALUES (?, ?, ?)",
          clientId,
          sessionId,
          line,
        );
      } else if (known.session_id !== sessionId) {
        problems.add(
          line,
          `client ${show(clientId)} has session ${show(sessionId)} here, but ${show(known.session_id)} on line ${known.line}`,
        );
      }
    }
    for (const id of [chatId, ...aliases]) {
      const added = scratch.run(
        "INSERT INTO first_of (id, n) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
        id,
        n,
      );
      if (added === 0) scratch.run("INSERT INTO repeats (n, id) VALUES (?, ?)", n, id);
    }
  }

  /**
   * Joins the records that share an id, in file order, noting at the later line an id given two
   * clients. Once the records are all added, before the database is read.
   */
  joinRepeats(problems: Problems): void {
    const scratch = this.#scratch;
    scratch.commit();
    for (const rows of scratch.pages(
      "SELECT r.rowid AS key, r.n AS n, r.id AS id, f.n AS first FROM repeats AS r JOIN first_of AS f ON f.id = r.id WHERE r.rowid > ? ORDER BY r.rowid LIMIT ?",
      0,
    )) {
      for (const row of rows) {
        const [n, first] = [Number(row.n), Number(row.first)];
        const clash = this.join(n, first);
        if (clash === undefined) continue;
        problems.add(
          this.lineOf(n),
          `${show(row.id)} is on line ${this.lineOf(first)} too, where its conversation's client is ${show(clash[1])}, not ${show(clash[0])}`,
        );
      }
    }
  }

  /** The line of the file of record `n`. */
  lineOf(n: number): number {
    return Number(this.#scratch.get("SELECT line FROM records WHERE n = ?", n)?.line ?? 0);
  }

  #node(n: number): { parent: number; size: number; clientId: string | null } {
    const row = this.#scratch.get("SELECT parent, size, client_id FROM joined WHERE n = ?", n);
    if (row !== undefined) {
      return { parent: Number(row.parent), size: Number(row.size), clientId: row.client_id as string | null };
    }
    const record = this.#scratch.get("SELECT client_id FROM records WHERE n = ?", n);
    return { parent: n, size: 1, clientId: (record?.client_id as string | null | undefined) ?? null };
  }

  #store(n: number, node: { parent: number; size: number; clientId: string | null }): void {
    this.#scratch.run(
      "INSERT INTO joined (n, parent, size, client_id) VALUES (?, ?, ?, ?) ON CONFLICT (n) DO UPDATE SET parent = excluded.parent, size = excluded.size, client_id = excluded.client_id",
      n,
      node.parent,
      node.size,
      node.clientId,
    );
  }

  /** The representative of record `n`'s group. */
  find(n: number): number {
    let root = n;
    for (let node = this.#node(root); node.parent !== root; node = this.#node(root)) root = node.parent;
    // Path compression: every record on the way points at the root.
    for (let at = n; at !== root; ) {
      const node = this.#node(at);
      if (node.parent === root) break;
      this.#store(at, { ...node, parent: root });
      at = node.parent;
    }
    return root;
  }

  /** The client of record `n`'s group, if any of its lines names one. */
  clientOf(n: number): string | null {
    return this.#node(this.find(n)).clientId;
  }

  /**
   * Makes the groups of `a` and `b` one, unless each has a client of its own.
   *
   * @returns `undefined` when joined (or already one), else the two clients (`a`'s first).
   */
  join(a: number, b: number): [string, string] | undefined {
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return undefined;
    let nodeA = this.#node(rootA);
    let nodeB = this.#node(rootB);
    if (nodeA.clientId !== null && nodeB.clientId !== null && nodeA.clientId !== nodeB.clientId) {
      return [nodeA.clientId, nodeB.clientId];
    }
    const clientId = nodeA.clientId ?? nodeB.clientId;
    if (nodeA.size < nodeB.size) {
      [rootA, rootB] = [rootB, rootA];
      [nodeA, nodeB] = [nodeB, nodeA];
    }
    this.#store(rootB, { ...nodeB, parent: rootA });
    this.#store(rootA, { parent: rootA, size: nodeA.size + nodeB.size, clientId });
    return undefined;
  }

  /**
   * The groups, each as its records (in file order), in the order of their first record. Only
   * one group is in memory at a time.
   */
  *groups(): Generator<GroupRecord[]> {
    const scratch = this.#scratch;
    scratch.commit();
    scratch.run("DELETE FROM members");
    for (const rows of scratch.pages("SELECT n AS key FROM joined WHERE n > ? ORDER BY n LIMIT ?", -1)) {
      for (const row of rows)
        scratch.run(
          "INSERT INTO members (root, n) VALUES (?, ?)",
          this.find(Number(row.key)),
          Number(row.key),
        );
    }
    scratch.commit();
    for (const rows of scratch.pages(
      `SELECT r.n AS key, r.line AS line, r.chat_id AS chat_id, r.client_id AS client_id, r.aliases AS aliases,
        (SELECT root FROM members WHERE n = r.n) AS root
       FROM records AS r WHERE r.n > ? ORDER BY r.n LIMIT ?`,
      -1,
    )) {
      for (const row of rows) {
        const n = Number(row.key);
        if (row.root === null) {
          yield [groupRecord(row)];
          continue;
        }
        const members = scratch.all(
          `SELECT r.n AS key, r.line AS line, r.chat_id AS chat_id, r.client_id AS client_id, r.aliases AS aliases
           FROM members AS m JOIN records AS r ON r.n = m.n WHERE m.root = ? ORDER BY m.n`,
          Number(row.root),
        );
        // A group is read at its first record only.
        if (Number(members[0]?.key) === n) yield members.map(groupRecord);
      }
    }
  }
}

/** A record as the plan reads it back. */
export interface GroupRecord {
  n: number;
  line: number;
  chatId: string;
  clientId: string | null;
  aliases: readonly string[];
}

function groupRecord(row: Record<string, string | number | null>): GroupRecord {
  return {
    n: Number(row.key),
    line: Number(row.line),
    chatId: String(row.chat_id),
    clientId: (row.client_id as string | null) ?? null,
    aliases: typeof row.aliases === "string" ? (JSON.parse(row.aliases) as string[]) : [],
  };
}
