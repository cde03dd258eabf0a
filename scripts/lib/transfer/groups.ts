/**
 * Which lines of an import file describe one conversation: lines that share an id (as chat_id
 * or alias) are one person, and so are lines whose ids belong to one conversation in the
 * database. A conversation has one client at most: lines that would give it two are problems,
 * and so is a client given two sessions.
 */
import { type Problems, show } from "./problems.ts";
import type { ImportRecord } from "./records.ts";

/** Disjoint sets of lines (by index into the records), each with its client. */
export class LineGroups {
  readonly #parent: Int32Array;
  readonly #size: Int32Array;
  // The client of each set, kept at its root.
  readonly #client: (string | null)[];

  constructor(records: readonly ImportRecord[]) {
    this.#parent = new Int32Array(records.length);
    this.#size = new Int32Array(records.length).fill(1);
    this.#client = records.map((record) => record.clientId);
    for (let i = 0; i < records.length; i++) this.#parent[i] = i;
  }

  /** The representative of record `i`'s group. */
  find(i: number): number {
    let root = i;
    while (this.#parent[root] !== root) root = this.#parent[root] ?? root;
    for (let at = i; this.#parent[at] !== root; ) {
      const next = this.#parent[at] ?? root;
      this.#parent[at] = root;
      at = next;
    }
    return root;
  }

  /** The client of record `i`'s group, if any of its lines names one. */
  clientOf(i: number): string | null {
    return this.#client[this.find(i)] ?? null;
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
    const clientA = this.#client[rootA] ?? null;
    const clientB = this.#client[rootB] ?? null;
    if (clientA !== null && clientB !== null && clientA !== clientB) return [clientA, clientB];
    if ((this.#size[rootA] ?? 0) < (this.#size[rootB] ?? 0)) [rootA, rootB] = [rootB, rootA];
    this.#parent[rootB] = rootA;
    this.#size[rootA] = (this.#size[rootA] ?? 0) + (this.#size[rootB] ?? 0);
    this.#client[rootA] = clientA ?? clientB;
    return undefined;
  }

  /** The groups, each as its records' indexes in file order, in the order of their first line. */
  *members(): Generator<number[]> {
    const count = this.#parent.length;
    const next = new Int32Array(count).fill(-1);
    const last = new Int32Array(count).fill(-1);
    for (let i = 0; i < count; i++) {
      const root = this.find(i);
      const tail = last[root] ?? -1;
      if (tail !== -1) next[tail] = i;
      last[root] = i;
    }
    const seen = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const root = this.find(i);
      if (seen[root]) continue;
      seen[root] = 1;
      const group: number[] = [];
      for (let at = i; at !== -1; at = next[at] ?? -1) group.push(at);
      yield group;
    }
  }
}

/** The lines of the file grouped by the ids they share, and where each id first appears. */
export interface FileGroups {
  groups: LineGroups;
  /** Every id of the file (chat ids and aliases) → the index of the first record that has it. */
  firstRecordOf: Map<string, number>;
  /** Every client of the file → its session. */
  sessions: Map<string, string>;
}

/** Groups the records of a file, noting clients given two sessions and ids given two clients. */
export function groupRecords(records: readonly ImportRecord[], problems: Problems): FileGroups {
  const groups = new LineGroups(records);
  const firstRecordOf = new Map<string, number>();
  const sessions = new Map<string, string>();
  const sessionLine = new Map<string, number>();
  const link = (index: number, id: string) => {
    const first = firstRecordOf.get(id);
    if (first === undefined) {
      firstRecordOf.set(id, index);
      return;
    }
    const clash = groups.join(index, first);
    if (clash !== undefined) {
      problems.add(
        records[index]?.line ?? 0,
        `${show(id)} is on line ${records[first]?.line} too, where its conversation's client is ${show(clash[1])}, not ${show(clash[0])}`,
      );
    }
  };
  for (const [index, record] of records.entries()) {
    const { clientId, sessionId, line } = record;
    if (clientId !== null && sessionId !== null) {
      const known = sessions.get(clientId);
      if (known === undefined) {
        sessions.set(clientId, sessionId);
        sessionLine.set(clientId, line);
      } else if (known !== sessionId) {
        problems.add(
          line,
          `client ${show(clientId)} has session ${show(sessionId)} here, but ${show(known)} on line ${sessionLine.get(clientId)}`,
        );
      }
    }
    link(index, record.chatId);
    for (const alias of record.aliases) link(index, alias);
  }
  return { groups, firstRecordOf, sessions };
}
