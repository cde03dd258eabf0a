import { CONVERSATION_NOT_FOUND } from "../domain/chat-lookup";
import { ApiError, ErrorMessage } from "../errors";
import type { RequestContext } from "../request-context";
import { deleteConversation, upsertConversation } from "./conversations.repository";

/**
 * Links a chat to a client (or unlinks it with `null`), creating its conversation if needed; the
 * chat's lookup then answers the new link, here at once. Retried on transient D1 errors: an
 * upsert is idempotent.
 *
 * @param chatId - A canonical chat id: whichever spelling the caller used, one row per chat.
 * @throws {ApiError} 404 "Client not found" when `clientId` names no client (nothing is written).
 */
export async function putConversation(
  context: RequestContext,
  chatId: string,
  clientId: string | null,
): Promise<{ bookmark: string | null }> {
  const { result: linked, bookmark } = await context.lookups.commit(context, {
    idempotent: true,
    run: async (db) => {
      const lookup = await upsertConversation(db, chatId, clientId);
      return { result: lookup !== null, changes: lookup === null ? [] : [{ chatId, lookup }] };
    },
  });
  if (!linked) throw new ApiError(404, ErrorMessage.clientNotFound);
  return { bookmark };
}

/**
 * Deletes a chat's conversation; its lookup then answers "Conversation not found", here at once.
 * Not retried: a retry after a lost reply would answer 404 for a delete that succeeded (the
 * caches are made to say "not found" then too).
 *
 * @throws {ApiError} 404 "Conversation not found".
 */
export async function removeConversation(
  context: RequestContext,
  chatId: string,
): Promise<{ bookmark: string | null }> {
  const { result: existed, bookmark } = await context.lookups.commit(context, {
    idempotent: false,
    run: async (db) => ({
      result: await deleteConversation(db, chatId),
      changes: [{ chatId, lookup: CONVERSATION_NOT_FOUND }],
    }),
  });
  if (!existed) throw new ApiError(404, ErrorMessage.conversationNotFound);
  return { bookmark };
}
