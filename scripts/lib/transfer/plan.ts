/**
 * What an import changes, decided before anything is written: lines grouped into conversations
 * (by the ids they share, in the file and in the database), each group created, or added to the
 * stored conversation its ids address (stored conversations it spans merged into the first),
 * with no client mapping ever lost or replaced. Nothing is deleted.
 */
import { isPersonId } from "../../../src/domain/chat-id.ts";
import type { FileGroups } from "./groups.ts";
import { type Problems, show } from "./problems.ts";
import type { ImportRecord } from "./records.ts";
import type { StoredConversation, StoredState } from "./stored.ts";

export interface ClientSession {
  id: string;
  sessionId: string;
}

export interface NewConversation {
  id: string;
  chatId: string;
  clientId: string | null;
}

/** A stored conversation without a client that gets one. */
export interface Link {
  conversationId: string;
  clientId: string;
}

/** Every id of `sourceId` moves to `targetId`, which has (or gets) `clientId`; the source goes. */
export interface Merge {
  sourceId: string;
  targetId: string;
  clientId: string | null;
}

/** A new id of the conversation whose own chat id is `ownerChatId`. */
export interface NewAlias {
  alias: string;
  ownerChatId: string;
}

export interface ImportSummary {
  conversationsCreated: number;
  conversationsUpdated: number;
  conversationsUnchanged: number;
  merges: number;
  aliasesAdded: number;
  clientsCreated: number;
  clientsUpdated: number;
  clientsUnchanged: number;
}

export interface ImportPlan {
  newClients: ClientSession[];
  /** Stored clients whose session changes: every id of their conversations answers anew. */
  sessionChanges: ClientSession[];
  /** In chat id order, their ids increasing in the same order. */
  conversations: NewConversation[];
  links: Link[];
  merges: Merge[];
  /** In alias order. */
  aliases: NewAlias[];
  summary: ImportSummary;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Plans the import of `records` over what the database holds. Problems (conflicts with stored
 * data, ids that cannot become aliases) go to `problems`; the plan is only for a file without any.
 *
 * @param newId - The primary key of each conversation to create, called in chat id order.
 */
export function planImport(
  records: readonly ImportRecord[],
  file: FileGroups,
  stored: StoredState,
  problems: Problems,
  newId: () => string,
): ImportPlan {
  const { groups, firstRecordOf } = file;
  const lineOf = (id: string) => records[firstRecordOf.get(id) ?? 0]?.line ?? 0;

  // Lines whose ids are one stored conversation are one group too.
  const firstIdOf = new Map<string, string>();
  for (const [id, index] of firstRecordOf) {
    const conversation = stored.conversations.get(id);
    if (conversation === undefined) continue;
    const first = firstIdOf.get(conversation.id);
    if (first === undefined) {
      firstIdOf.set(conversation.id, id);
      continue;
    }
    const clash = groups.join(index, firstRecordOf.get(first) ?? index);
    if (clash !== undefined) {
      problems.add(
        lineOf(id),
        `${show(id)} and ${show(first)} (line ${lineOf(first)}) are ids of one conversation in the database, which cannot have both client ${show(clash[0])} and ${show(clash[1])}`,
      );
    }
  }

  const plan: Omit<ImportPlan, "summary"> = {
    newClients: [],
    sessionChanges: [],
    conversations: [],
    links: [],
    merges: [],
    aliases: [],
  };
  const summary: ImportSummary = {
    conversationsCreated: 0,
    conversationsUpdated: 0,
    conversationsUnchanged: 0,
    merges: 0,
    aliasesAdded: 0,
    clientsCreated: 0,
    clientsUpdated: 0,
    clientsUnchanged: 0,
  };

  for (const members of groups.members()) {
    const only = members.length === 1 ? records[members[0] ?? 0] : undefined;
    if (only !== undefined && !isStored(only, stored)) {
      // A line of its own about ids the database does not have (all of a first import): created.
      plan.conversations.push({ id: "", chatId: only.chatId, clientId: only.clientId });
      for (const alias of only.aliases) plan.aliases.push({ alias, ownerChatId: only.chatId });
      summary.aliasesAdded += only.aliases.length;
      summary.conversationsCreated++;
      continue;
    }
    const ids = idsOf(records, members);
    const client = groups.clientOf(members[0] ?? 0);
    // The stored conversations the group's ids address, each with the first of those ids.
    const existing = new Map<StoredConversation, string>();
    for (const id of ids) {
      const conversation = stored.conversations.get(id);
      if (conversation !== undefined && !existing.has(conversation)) existing.set(conversation, id);
    }
    const clientProblem = storedClientProblem(client, existing);
    if (clientProblem !== undefined) {
      problems.add(lineOf(clientProblem.id), clientProblem.reason);
      continue;
    }
    const [target] = existing.keys();
    const chatId = target?.chatId ?? ids[0] ?? "";
    const added = ids.filter((id) => id !== chatId && !stored.conversations.has(id));
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
      client ?? [...existing.keys()].find((conversation) => conversation.clientId !== null)?.clientId ?? null;
    for (const alias of added) plan.aliases.push({ alias, ownerChatId: chatId });
    summary.aliasesAdded += added.length;
    if (target === undefined) {
      plan.conversations.push({ id: "", chatId, clientId: merged });
      summary.conversationsCreated++;
      continue;
    }
    const link = target.clientId === null && merged !== null;
    if (link) plan.links.push({ conversationId: target.id, clientId: merged });
    for (const source of [...existing.keys()].slice(1)) {
      plan.merges.push({ sourceId: source.id, targetId: target.id, clientId: merged });
      summary.merges++;
    }
    if (link || existing.size > 1 || added.length > 0) summary.conversationsUpdated++;
    else summary.conversationsUnchanged++;
  }

  for (const [id, sessionId] of file.sessions) {
    const storedSession = stored.sessions.get(id);
    if (storedSession === undefined) {
      plan.newClients.push({ id, sessionId });
      summary.clientsCreated++;
    } else if (storedSession !== sessionId) {
      plan.sessionChanges.push({ id, sessionId });
      summary.clientsUpdated++;
    } else {
      summary.clientsUnchanged++;
    }
  }

  // Rows in key order land at the end of their indexes (into an empty database, only there).
  plan.newClients.sort((a, b) => compare(a.id, b.id));
  plan.conversations.sort((a, b) => compare(a.chatId, b.chatId));
  for (const conversation of plan.conversations) conversation.id = newId();
  plan.aliases.sort((a, b) => compare(a.alias, b.alias));
  return { ...plan, summary };
}

function isStored(record: ImportRecord, stored: StoredState): boolean {
  return (
    stored.conversations.has(record.chatId) || record.aliases.some((alias) => stored.conversations.has(alias))
  );
}

/** The group's distinct ids: its first line's chat id first, then in file order. */
function idsOf(records: readonly ImportRecord[], members: readonly number[]): string[] {
  const ids = new Set<string>();
  for (const index of members) {
    const record = records[index];
    if (record === undefined) continue;
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
  existing: ReadonlyMap<StoredConversation, string>,
): { id: string; reason: string } | undefined {
  let first: { clientId: string; id: string } | undefined =
    client === null ? undefined : { clientId: client, id: "" };
  for (const [conversation, id] of existing) {
    if (conversation.clientId === null) continue;
    if (first === undefined) {
      first = { clientId: conversation.clientId, id };
      continue;
    }
    if (conversation.clientId === first.clientId) continue;
    if (client !== null) {
      return {
        id,
        reason: `${show(id)} belongs in the database to a conversation of client ${show(conversation.clientId)}, not ${show(client)}`,
      };
    }
    return {
      id,
      reason: `${show(first.id)} and ${show(id)} belong in the database to conversations of two clients (${show(first.clientId)}, ${show(conversation.clientId)}): merging them would lose a mapping`,
    };
  }
  return undefined;
}
