import type { ChatLookup, ClientSession } from "../domain/chat-lookup";
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

/**
 * The original API's lookup: the chat's conversation, then its client, then the client's
 * session; from the nearest cache tier that knows the chat.
 *
 * @param chatId - A canonical chat id (see src/domain/chat-id.ts).
 * @param visibleSessions - The sessions the caller's token is limited to (`null`: all).
 * @throws {ApiError} 408 past the request's deadline.
 */
export async function lookUpClientSession(
  context: RequestContext,
  chatId: string,
  options: ReadOptions & { visibleSessions: readonly string[] | null },
): Promise<LookupResult> {
  const started = context.clock.now();
  const { answers, tier, bookmark } = await context.lookups.get(context, [chatId], options);
  const lookup = answers.get(chatId) ?? { status: "conversation-not-found" };
  const answer = visibleAnswer(lookup, options.visibleSessions);
  return { answer, tier, bookmark, storageMs: context.clock.now() - started };
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
