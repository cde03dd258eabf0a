/**
 * What an import changes, decided before anything is written: lines grouped into conversations
 * (by the ids they share, in the file and in the database), each group created, or added to the
 * stored conversation its ids address (stored conversations it spans merged into the first).
 * No client mapping is ever lost; one is replaced only with `--move`, where the file's client
 * wins. Nothing is deleted. The plan is written to the import's scratch database (write.ts turns
 * it into SQL), one group at a time.
 */
import { isPersonId } from "../../../src/domain/chat-id.ts";
import type { FileGroups, GroupRecord } from "./groups.ts";
import { type Problems, show } from "./problems.ts";
import type { ImportScratch } from "./scratch.ts";
import { type StoredConversation, storedConversationOf } from "./stored.ts";

export interface ImportSummary {
  conversationsCreated: number;
  conversationsUpdated: number;
  conversationsUnchanged: number;
  /** Stored conversations put under another client (`--move`). */
  conversationsMoved: number;
  merges: number;
  aliasesAdded: number;
  clientsCreated: number;
  clientsUpdated: number;
  clientsUnchanged: number;
}

export interface PlanOptions {
  /** A line that puts a stored chat under another client moves it, instead of being a problem. */
  move: boolean;
}

/**
 * Plans the import of the file's groups over what the database holds (both in `scratch`).
 * Problems (conflicts with stored data, ids that cannot become aliases) go to `problems`; the plan
 * is only for a file without any.
 */
export function planImport(
  file: FileGroups,
  scratch: ImportScratch,
  problems: Problems,
  options: PlanOptions,
): ImportSummary {
  joinStoredConversations(file, scratch, problems);

  const summary: ImportSummary = {
    conversationsCreated: 0,
    conversationsUpdated: 0,
    conversationsUnchanged: 0,
    conversationsMoved: 0,
    merges: 0,
    aliasesAdded: 0,
    clientsCreated: 0,
    clientsUpdated: 0,
    clientsUnchanged: 0,
  };
  const addAlias = (alias: string, ownerChatId: string) =>
    scratch.run("INSERT INTO plan_aliases (alias, owner_chat_id) VALUES (?, ?)", alias, ownerChatId);
  const create = (chatId: string, clientId: string | null) =>
    scratch.run("INSERT INTO plan_conversations (chat_id, client_id) VALUES (?, ?)", chatId, clientId);

  for (const group of file.groups()) {
    const [first] = group;
    if (first === undefined) continue;
    const ids = idsOf(group);
    // The stored conversations the group's ids address, each with the first of those ids.
    const existing = new Map<string, { conversation: StoredConversation; id: string }>();
    for (const id of ids) {
      const conversation = storedConversationOf(scratch, id);
      if (conversation !== undefined && !existing.has(conversation.id))
        existing.set(conversation.id, { conversation, id });
    }
    if (group.length === 1 && existing.size === 0) {
      // A line of its own about ids the database does not have (all of a first import): created.
      create(first.chatId, first.clientId);
      for (const alias of first.aliases) addAlias(alias, first.chatId);
      summary.aliasesAdded += first.aliases.length;
      summary.conversationsCreated++;
      continue;
    }
    const client = file.clientOf(first.n);
    const lineOf = (id: string) =>
      file.lineOf(Number(scratch.get("SELECT n FROM first_of WHERE id = ?", id)?.n ?? 0));
    const clientProblem =
      options.move && client !== null ? undefined : storedClientProblem(client, existing.values());
    if (clientProblem !== undefined) {
      problems.add(lineOf(clientProblem.id), clientProblem.reason);
      continue;
    }
    const [target] = [...existing.values()].map((entry) => entry.conversation);
    const chatId = target?.chatId ?? ids[0] ?? "";
    const added = ids.filter((id) => id !== chatId && storedConversationOf(scratch, id) === undefined);
    const notPerson = added.filter((id) => !isPersonId(id));
    for (const id of notPerson) {
      problems.add(
        lineOf(id),
        `${show(id)} would become an alias of ${show(chatId)}, and only a person's id (N@c.us, N@lid or a business-scoped user id) can be an alias`,
      );
    }
    if (notPerson.length > 0) continue;
    // A conversation stored before groups were refused aliases may still have one.
    if (!isPersonId(chatId) && (added.length > 0 || existing.size > 1)) {
      problems.add(
        lineOf(ids.find((id) => id !== chatId) ?? chatId),
        `${show(chatId)} is not a person's id: only a person's conversation has aliases`,
      );
      continue;
    }

    const merged =
      client ??
      [...existing.values()].find((entry) => entry.conversation.clientId !== null)?.conversation.clientId ??
      null;
    for (const alias of added) addAlias(alias, chatId);
    summary.aliasesAdded += added.length;
    if (target === undefined) {
      create(chatId, merged);
      summary.conversationsCreated++;
      continue;
    }
    const link = target.clientId === null && merged !== null;
    if (link)
      scratch.run("INSERT INTO plan_links (conversation_id, client_id) VALUES (?, ?)", target.id, merged);
    let moved = 0;
    for (const { conversation } of existing.values()) {
      if (merged === null || conversation.clientId === null || conversation.clientId === merged) continue;
      scratch.run(
        "INSERT INTO plan_moves (conversation_id, client_id, from_client_id) VALUES (?, ?, ?)",
        conversation.id,
        merged,
        conversation.clientId,
      );
      moved++;
    }
    summary.conversationsMoved += moved;
    for (const { conversation: source } of [...existing.values()].slice(1)) {
      scratch.run(
        "INSERT INTO plan_merges (source_id, target_id, client_id) VALUES (?, ?, ?)",
        source.id,
        target.id,
        merged,
      );
      summary.merges++;
    }
    if (link || moved > 0 || existing.size > 1 || added.length > 0) summary.conversationsUpdated++;
    else summary.conversationsUnchanged++;
  }

  scratch.commit();
  const clients = scratch.get(
    `SELECT count(*) FILTER (WHERE s.client_id IS NULL) AS created,
       count(*) FILTER (WHERE s.session_id <> c.session_id) AS updated,
       count(*) FILTER (WHERE s.session_id = c.session_id) AS unchanged
     FROM client_sessions AS c LEFT JOIN stored_sessions AS s ON s.client_id = c.client_id`,
  );
  summary.clientsCreated = Number(clients?.created ?? 0);
  summary.clientsUpdated = Number(clients?.updated ?? 0);
  summary.clientsUnchanged = Number(clients?.unchanged ?? 0);
  return summary;
}

/**
 * Lines whose ids are one stored conversation are one group too: joined in the order the ids
 * first appear in the file, a line that gives that conversation a second client being a problem.
 */
function joinStoredConversations(file: FileGroups, scratch: ImportScratch, problems: Problems): void {
  scratch.commit();
  for (const rows of scratch.pages(
    `SELECT f.rowid AS key, f.id AS id, f.n AS n, s.conversation_id AS conversation_id
     FROM first_of AS f JOIN stored AS s ON s.id = f.id WHERE f.rowid > ? ORDER BY f.rowid LIMIT ?`,
    0,
  )) {
    for (const row of rows) {
      const [id, n, conversationId] = [String(row.id), Number(row.n), String(row.conversation_id)];
      const earlier = scratch.get(
        "SELECT id FROM first_id_of_stored WHERE conversation_id = ?",
        conversationId,
      );
      if (earlier === undefined) {
        scratch.run("INSERT INTO first_id_of_stored (conversation_id, id) VALUES (?, ?)", conversationId, id);
        continue;
      }
      const firstN = Number(scratch.get("SELECT n FROM first_of WHERE id = ?", String(earlier.id))?.n ?? n);
      const clash = file.join(n, firstN);
      if (clash === undefined) continue;
      problems.add(
        file.lineOf(n),
        `${show(id)} and ${show(earlier.id)} (line ${file.lineOf(firstN)}) are ids of one conversation in the database, which cannot have both client ${show(clash[0])} and ${show(clash[1])}`,
      );
    }
  }
}

/** The group's distinct ids: its first line's chat id first, then in file order. */
function idsOf(group: readonly GroupRecord[]): string[] {
  const ids = new Set<string>();
  for (const record of group) {
    ids.add(record.chatId);
    for (const alias of record.aliases) ids.add(alias);
  }
  return [...ids];
}

/**
 * Why the group cannot have the clients it meets: its own against a stored conversation's, or
 * two stored conversations' against each other (merging them would lose a mapping).
 */
function storedClientProblem(
  client: string | null,
  existing: Iterable<{ conversation: StoredConversation; id: string }>,
): { id: string; reason: string } | undefined {
  let first: { clientId: string; id: string } | undefined =
    client === null ? undefined : { clientId: client, id: "" };
  for (const { conversation, id } of existing) {
    if (conversation.clientId === null) continue;
    if (first === undefined) {
      first = { clientId: conversation.clientId, id };
      continue;
    }
    if (conversation.clientId === first.clientId) continue;
    if (client !== null) {
      return {
        id,
        reason: `${show(id)} belongs in the database to a conversation of client ${show(conversation.clientId)}, not ${show(client)} (--move moves it)`,
      };
    }
    return {
      id,
      reason: `${show(first.id)} and ${show(id)} belong in the database to conversations of two clients (${show(first.clientId)}, ${show(conversation.clientId)}): merging them would lose a mapping`,
    };
  }
  return undefined;
}
