/**
 * The writes of the crash test, one kind per multi-row promise of docs/mapping.md: each seeds the rows
 * it needs, is sent once in a stream that the server's kill interrupts, and is then found in one
 * of exactly two states: applied or unchanged. Anything else (half a client delete, a LID whose
 * old conversation is gone but which is in no other, a 500) fails with what was seen.
 */
import { isDeepStrictEqual } from "node:util";
import { type InstanceApi, lookupResult } from "./instance-api.ts";
import type { Answer } from "./support.ts";

/** Which state a write left the database in. */
export type Found = "applied" | "unchanged";

export interface CrashWrite {
  /** Such as `client delete crash-1-cd2`, for messages. */
  readonly label: string;
  /** Writes the rows it needs (each must answer 200), before the stream starts. */
  seed(api: InstanceApi): Promise<void>;
  /** The write itself. */
  send(api: InstanceApi): Promise<Answer>;
  /**
   * Reads its rows back through the API (lookups with `no-cache`, `GET /api/conversations/…`).
   *
   * @throws When they are in neither state, with what was seen.
   */
  inspect(api: InstanceApi): Promise<Found>;
}

/** How many writes of each kind a round sends, and whom its other conversations belong to. */
export interface RoundPlan {
  sessionChanges: number;
  clientDeletes: number;
  aliasMerges: number;
  links: number;
  conversationDeletes: number;
  /** Whether the conversations of merges, links and conversation deletes have a client (the round's owner) or none. */
  owned: boolean;
}

function expect200(answer: Answer, what: string): void {
  if (answer.status !== 200) throw new Error(`${what}: ${answer.status} ${answer.text}`);
}

/** What `GET /api/conversations/…` answered, as one string (see `lookupResult`). */
function conversationResult(answer: Answer): string {
  const body = answer.json as { success?: unknown; record?: unknown } | undefined;
  if (answer.status === 200 && body?.success === true) return JSON.stringify(body.record);
  return lookupResult(answer);
}

function stored(chatId: string, clientId: string | null, aliases: string[]): string {
  return JSON.stringify({ chat_id: chatId, client_id: clientId, aliases });
}

/**
 * Reads `lookups` (with `no-cache`) and `conversations` back and says which of `states` they match.
 *
 * @throws When they match neither.
 */
async function inspectState(
  api: InstanceApi,
  label: string,
  { lookups = [], conversations = [] }: { lookups?: string[]; conversations?: string[] },
  states: Record<Found, string[]>,
): Promise<Found> {
  const seen = [
    ...(await Promise.all(lookups.map((id) => api.lookUp(id, { fresh: true })))).map(lookupResult),
    ...(await Promise.all(conversations.map((id) => api.conversation(id)))).map(conversationResult),
  ];
  if (isDeepStrictEqual(seen, states.applied)) return "applied";
  if (isDeepStrictEqual(seen, states.unchanged)) return "unchanged";
  throw new Error(
    `${label}: neither applied nor unchanged; saw ${JSON.stringify(seen)}, applied is ${JSON.stringify(states.applied)}, unchanged is ${JSON.stringify(states.unchanged)}`,
  );
}

/**
 * The writes of one round and the client they share, all named after `prefix` (letters) and
 * `digits` (a number unique to the round), so that rounds never touch each other's rows.
 */
export function crashWrites(
  prefix: string,
  digits: string,
  counts: RoundPlan,
): { seedOwner(api: InstanceApi): Promise<void>; writes: CrashWrite[] } {
  const owner = counts.owned ? `${prefix}-owner` : null;
  const ownerAnswer = owner === null ? "Client not found" : `${owner}/owner-session`;
  const phone = (kind: number, index: number, part = 0) => `49${digits}${kind}${index}${part}@c.us`;
  const lid = (kind: number, index: number) => `7${digits}${kind}${index}0@lid`;
  const writes: CrashWrite[] = [];
  const link = (api: InstanceApi, chatId: string, clientId: string | null) =>
    api.write("PUT", `/api/conversations/${chatId}`, { client_id: clientId });

  for (let i = 0; i < counts.sessionChanges; i++) {
    const [client, chat] = [`${prefix}-sc${i}`, phone(1, i)];
    const label = `session change ${client}`;
    writes.push({
      label,
      async seed(api) {
        expect200(await api.write("PUT", `/api/clients/${client}`, { session_id: "before" }), client);
        expect200(await link(api, chat, client), chat);
      },
      send: (api) => api.write("PUT", `/api/clients/${client}`, { session_id: "after" }),
      inspect: (api) =>
        inspectState(
          api,
          label,
          { lookups: [chat] },
          { applied: [`${client}/after`], unchanged: [`${client}/before`] },
        ),
    });
  }

  for (let i = 0; i < counts.clientDeletes; i++) {
    // Two conversations, one with an alias: the delete unlinks both in one batch.
    const [client, first, second, alias] = [`${prefix}-cd${i}`, phone(2, i, 1), phone(2, i, 2), lid(2, i)];
    const [label, record] = [`client delete ${client}`, `${client}/doomed`];
    writes.push({
      label,
      async seed(api) {
        expect200(await api.write("PUT", `/api/clients/${client}`, { session_id: "doomed" }), client);
        expect200(await link(api, first, client), first);
        expect200(await link(api, second, client), second);
        expect200(await api.write("PUT", `/api/conversations/${first}/aliases/${alias}`), alias);
      },
      send: (api) => api.write("DELETE", `/api/clients/${client}`),
      inspect: (api) =>
        inspectState(
          api,
          label,
          { lookups: [first, alias, second], conversations: [first, second] },
          {
            applied: [
              ...Array(3).fill("Client not found"),
              stored(first, null, [alias]),
              stored(second, null, []),
            ],
            unchanged: [...Array(3).fill(record), stored(first, client, [alias]), stored(second, client, [])],
          },
        ),
    });
  }

  for (let i = 0; i < counts.aliasMerges; i++) {
    // The LID came first, in a conversation of its own without a client (a reaction).
    const [chat, alias] = [phone(3, i), lid(3, i)];
    const label = `alias merge ${alias} into ${chat}`;
    writes.push({
      label,
      async seed(api) {
        expect200(await link(api, chat, owner), chat);
        expect200(await link(api, alias, null), alias);
      },
      send: (api) => api.write("PUT", `/api/conversations/${chat}/aliases/${alias}`),
      inspect: (api) =>
        inspectState(
          api,
          label,
          { lookups: [chat, alias], conversations: [chat, alias] },
          {
            applied: [ownerAnswer, ownerAnswer, stored(chat, owner, [alias]), stored(chat, owner, [alias])],
            unchanged: [ownerAnswer, "Client not found", stored(chat, owner, []), stored(alias, null, [])],
          },
        ),
    });
  }

  for (let i = 0; i < counts.links; i++) {
    const chat = phone(4, i);
    const label = `new conversation ${chat}`;
    writes.push({
      label,
      seed: async () => {},
      send: (api) => link(api, chat, owner),
      inspect: (api) =>
        inspectState(
          api,
          label,
          { lookups: [chat], conversations: [chat] },
          {
            applied: [ownerAnswer, stored(chat, owner, [])],
            unchanged: ["Conversation not found", "Conversation not found"],
          },
        ),
    });
  }

  for (let i = 0; i < counts.conversationDeletes; i++) {
    // Every id of it goes with it, the alias included.
    const [chat, alias] = [phone(5, i), lid(5, i)];
    const label = `conversation delete ${chat}`;
    writes.push({
      label,
      async seed(api) {
        expect200(await link(api, chat, owner), chat);
        expect200(await api.write("PUT", `/api/conversations/${chat}/aliases/${alias}`), alias);
      },
      send: (api) => api.write("DELETE", `/api/conversations/${chat}`),
      inspect: (api) =>
        inspectState(
          api,
          label,
          { lookups: [chat, alias], conversations: [chat, alias] },
          {
            applied: Array(4).fill("Conversation not found"),
            unchanged: [ownerAnswer, ownerAnswer, stored(chat, owner, [alias]), stored(chat, owner, [alias])],
          },
        ),
    });
  }

  return {
    async seedOwner(api) {
      if (owner !== null)
        expect200(await api.write("PUT", `/api/clients/${owner}`, { session_id: "owner-session" }), owner);
    },
    writes,
  };
}
