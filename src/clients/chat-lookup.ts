/**
 * What the lookup knows of a chat: the domain types shared by the repository, the cache tiers
 * and the routes.
 */

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
