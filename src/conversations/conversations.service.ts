import { refreshCachedChats } from "../cache/lookup-cache";
import type { ChatLookup } from "../clients/chat-lookup";
import { openPrimarySession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import { ApiError, ErrorMessage } from "../errors";
import { beforeDeadline } from "../lib/deadline";
import type { RequestContext } from "../request-context";
import { deleteConversation, upsertConversation } from "./conversations.repository";

/**
 * Links a chat to a client (or unlinks it with `null`), creating its conversation if needed,
 * then rewrites the chat's cached answer, so a lookup here answers the new link at once.
 * Retried on transient D1 errors: an upsert is idempotent.
 *
 * @param chatId - A canonical chat id: whichever spelling the caller used, one row per chat.
 * @throws {ApiError} 404 "Client not found" when `clientId` names no client.
 */
export async function putConversation(
  context: RequestContext,
  chatId: string,
  clientId: string | null,
): Promise<{ bookmark: string | null }> {
  const session = openPrimarySession(context.env.DB);
  const lookup = await beforeDeadline(
    withTransientRetries(
      () => upsertConversation(session.db, chatId, clientId),
      context.deadline,
      context.requestId,
    ),
    context.deadline,
  );
  if (lookup === null) throw new ApiError(404, ErrorMessage.clientNotFound);
  await refreshCachedChats([{ chatId, lookup }], context);
  return { bookmark: session.bookmark() };
}

/**
 * Deletes a chat's conversation and drops its cached answer. Not retried: a retry after a lost
 * reply would answer 404 for a delete that succeeded.
 *
 * @throws {ApiError} 404 "Conversation not found".
 */
export async function removeConversation(
  context: RequestContext,
  chatId: string,
): Promise<{ bookmark: string | null }> {
  const session = openPrimarySession(context.env.DB);
  const deleted = await beforeDeadline(deleteConversation(session.db, chatId), context.deadline);
  if (!deleted) throw new ApiError(404, ErrorMessage.conversationNotFound);
  const gone: ChatLookup = { status: "conversation-not-found" };
  await refreshCachedChats([{ chatId, lookup: gone }], context);
  return { bookmark: session.bookmark() };
}
