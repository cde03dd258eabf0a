import type { CacheTier, ReadOptions } from "../cache/lookups/lookup-cache";
import {
  type BatchItem,
  type ChatLookup,
  type ChatQuery,
  type ClientSession,
  CONVERSATION_NOT_FOUND,
  type LookupAnswer,
} from "../domain/chat-lookup";
import { type SessionView, UNKNOWN_SESSION, viewOf } from "../domain/session";
import { ErrorMessage } from "../errors";
import type { RequestContext } from "../request-context";

/** A lookup's answer, its record carrying its session's status when the lookup asked for it. */
export type LookupResult = LookupAnswer | { record: ClientSession & { session: SessionView } };

/** The answers of one or more lookups, and where they came from. */
export interface LookupResults {
  /** One answer per query, in order. */
  answers: LookupResult[];
  /** The deepest cache tier the lookups needed. */
  tier: CacheTier;
  /** Milliseconds spent waiting on KV and D1. */
  storageMs: number;
  /** The D1 bookmark after the query, when D1 was read. */
  bookmark: string | null;
}

type Options = ReadOptions & {
  /** The sessions the caller's token is limited to (`null`: all). */
  visibleSessions: readonly string[] | null;
  /** Whether each record carries its session's status (`include=session`). */
  includeSession: boolean;
};

const TIER_DEPTH: Record<CacheTier, number> = { memory: 0, kv: 1, d1: 2 };

/**
 * The original API's lookup: the chat's conversation, then its client, then the client's
 * session; from the nearest cache tier that knows the chat. With `alt`, the first of the two
 * ids whose conversation has a client answers.
 *
 * @throws {ApiError} 408 past the request's deadline.
 */
export async function lookUpClientSession(context: RequestContext, query: ChatQuery, options: Options) {
  const { answers, ...rest } = await lookUpClientSessions(context, [{ query }], options);
  return { answer: answers[0] as LookupResult, ...rest };
}

/**
 * Many lookups at once, each answered exactly as alone: all their ids read together, so that
 * their cache misses cost one KV bulk read and one D1 query.
 *
 * @throws {ApiError} 408 past the request's deadline.
 */
export async function lookUpClientSessions(
  context: RequestContext,
  items: readonly BatchItem[],
  options: Options,
): Promise<LookupResults> {
  const started = context.clock.now();
  const ids = items.flatMap((item) => ("query" in item ? idsOf(item.query) : []));
  const read =
    ids.length > 0
      ? await context.lookups.get(context, ids, {
          ...options,
          partition: partitionOf(options.visibleSessions),
        })
      : { answers: new Map<string, ChatLookup>(), tier: "memory" as const, bookmark: null };
  const answers = items.map((item) => {
    if ("error" in item) return item;
    const visible = idsOf(item.query).map((id) =>
      visibleAnswer(read.answers.get(id) ?? CONVERSATION_NOT_FOUND, options.visibleSessions),
    );
    return firstAnswer(visible);
  });
  if (!options.includeSession) {
    return { answers, tier: read.tier, bookmark: read.bookmark, storageMs: context.clock.now() - started };
  }
  const withSessions = await withSessionStatuses(context, answers, {
    fresh: options.fresh,
    bookmark: read.bookmark ?? options.bookmark,
  });
  const tier = TIER_DEPTH[withSessions.tier] > TIER_DEPTH[read.tier] ? withSessions.tier : read.tier;
  return {
    answers: withSessions.answers,
    tier,
    bookmark: withSessions.bookmark ?? read.bookmark,
    storageMs: context.clock.now() - started,
  };
}

/**
 * The answers with each record's session status, read together from the session statuses'
 * cache: only the sessions of records the caller may see, so that nothing is read, and nothing
 * costs, for a chat it may not see.
 */
async function withSessionStatuses(
  context: RequestContext,
  answers: readonly LookupAnswer[],
  options: { fresh: boolean; bookmark: string | null },
) {
  const sessionIds = answers.flatMap((answer) => ("record" in answer ? [answer.record.session_id] : []));
  if (sessionIds.length === 0) return { answers: [...answers], tier: "memory" as const, bookmark: null };
  const read = await context.sessions.get(context, sessionIds, options);
  const withStatus = answers.map((answer): LookupResult => {
    if (!("record" in answer)) return answer;
    const state = read.states.get(answer.record.session_id) ?? UNKNOWN_SESSION;
    return { record: { ...answer.record, session: viewOf(state) } };
  });
  return { answers: withStatus, tier: read.tier, bookmark: read.bookmark };
}

/**
 * A session-limited caller reads through a partition of its own: whether a chat of another
 * session is in the shared caches (someone asked for it) must not show in how fast it answers.
 */
function partitionOf(visibleSessions: readonly string[] | null): string | undefined {
  return visibleSessions === null ? undefined : JSON.stringify([...visibleSessions].sort());
}

function idsOf(query: ChatQuery): string[] {
  return query.alt === undefined ? [query.chatId] : [query.chatId, query.alt];
}

/** The first record; else "Client not found" if any id names a conversation; else "Conversation not found". */
function firstAnswer(answers: readonly LookupAnswer[]): LookupAnswer {
  const answer =
    answers.find((candidate) => "record" in candidate) ??
    answers.find((candidate) => "error" in candidate && candidate.error === ErrorMessage.clientNotFound);
  return answer ?? { error: ErrorMessage.conversationNotFound };
}

/**
 * The answer a caller may see. A session-limited caller learns nothing of chats outside its
 * sessions, not even that they exist: they answer exactly as an unknown chat.
 */
function visibleAnswer(lookup: ChatLookup, visibleSessions: readonly string[] | null): LookupAnswer {
  const hidden =
    visibleSessions !== null &&
    (lookup.status !== "found" || !visibleSessions.includes(lookup.record.session_id));
  if (lookup.status === "conversation-not-found" || hidden)
    return { error: ErrorMessage.conversationNotFound };
  if (lookup.status === "client-not-found") return { error: ErrorMessage.clientNotFound };
  return { record: lookup.record };
}
