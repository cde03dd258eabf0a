/**
 * What the lookup knows of a chat: the domain types shared by the lookup, its cache and the
 * writes that keep that cache true.
 */
import type { ErrorMessage } from "../errors";

/** What a successful lookup answers: the client's id and its WhatsApp session. */
export interface ClientSession {
  id: string;
  session_id: string;
}

/** What is known of a chat: its client's session, or which link is missing. */
export type ChatLookup =
  | { status: "found"; record: ClientSession }
  | { status: "conversation-not-found" }
  | { status: "client-not-found" };

/** The lookup of a chat whose conversation has a client. */
export function found(record: ClientSession): ChatLookup {
  return { status: "found", record };
}

/** The lookup of a chat no conversation has. */
export const CONVERSATION_NOT_FOUND: ChatLookup = Object.freeze({ status: "conversation-not-found" });

/** The lookup of a chat whose conversation has no client. */
export const CLIENT_NOT_FOUND: ChatLookup = Object.freeze({ status: "client-not-found" });

/** What a write changed: a chat and what its lookup answers now. */
export interface ChatChange {
  chatId: string;
  lookup: ChatLookup;
}

/** A person's chat, by the ids the message carried (canonical, see src/domain/chat-id.ts). */
export interface ChatQuery {
  chatId: string;
  /** The other id of the same person, when the message carried one. */
  alt?: string | undefined;
}

type InputError =
  | typeof ErrorMessage.chatIdRequired
  | typeof ErrorMessage.chatIdInvalid
  | typeof ErrorMessage.altInvalid;
type NotFound = typeof ErrorMessage.conversationNotFound | typeof ErrorMessage.clientNotFound;

/** What the caller sees of a chat: its client's session, or the contract's message. */
export type LookupAnswer = { record: ClientSession } | { error: InputError | NotFound };

/** A batch item: a valid query, or the 400 message the single lookup would answer for it. */
export type BatchItem = { query: ChatQuery } | { error: InputError };
