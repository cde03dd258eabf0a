import { type ChatLookup, type ClientSession, CONVERSATION_NOT_FOUND } from "../domain/chat-lookup";
import { ErrorMessage } from "../errors";
import type { RequestContext } from "../request-context";
import type { CacheTier, ReadOptions } from "./lookup-cache";

/** What the caller sees of a chat: its client's session, or the contract's 404 message. */
export type LookupAnswer =
  | { record: ClientSession }
  | { error: typeof ErrorMessage.conversationNotFound | typeof ErrorMessage.clientNotFound };

/** A lookup's answer, and where it came from. */
export interface LookupResult {
  answer: LookupAnswer;
  /** The deepest cache tier the lookup needed. */
  tier: CacheTier;
  /** Milliseconds spent waiting on KV and D1. */
  storageMs: number;
  /** The D1 bookmark after the query, when D1 was read. */
  bookmark: string | null;
}

/** A person's chat, by the ids the message carried. */
export interface ChatQuery {
  /** A canonical chat id (see src/domain/chat-id.ts). */
  chatId: string;
  /** The other id of the same person, when the message carried one (canonical). */
  alt?: string | undefined;
}

/**
 * The original API's lookup: the chat's conversation, then its client, then the client's
 * session; from the nearest cache tier that knows the chat. With `alt`, the first of the two
 * ids whose conversation has a client answers.
 *
 * @param visibleSessions - The sessions the caller's token is limited to (`null`: all).
 * @throws {ApiError} 408 past the request's deadline.
 */
export async function lookUpClientSession(
  context: RequestContext,
  query: ChatQuery,
  options: ReadOptions & { visibleSessions: readonly string[] | null },
): Promise<LookupResult> {
  const started = context.clock.now();
  const ids = query.alt === undefined ? [query.chatId] : [query.chatId, query.alt];
  const { answers, tier, bookmark } = await context.lookups.get(context, ids, options);
  const visible = ids.map((id) =>
    visibleAnswer(answers.get(id) ?? CONVERSATION_NOT_FOUND, options.visibleSessions),
  );
  return { answer: firstAnswer(visible), tier, bookmark, storageMs: context.clock.now() - started };
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
