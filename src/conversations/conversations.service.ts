import { writeAndRefresh } from "../cache/lookup-cache";
import type { ChatLookup } from "../clients/chat-lookup";
import { currentAnswersFromPrimary } from "../clients/clients.service";
import { openPrimarySession } from "../db/client";
import { withTransientRetries } from "../db/retry";
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
  const session = openPrimarySession(context.env.DB);
  const write = withTransientRetries(
    () => upsertConversation(session.db, chatId, clientId),
    context.deadline,
    context.requestId,
  ).then((lookup) => ({
    result: lookup !== null,
    changes: lookup === null ? [] : [{ chatId, lookup }],
    bookmark: session.bookmark(),
  }));
  const { result: linked, bookmark } = await writeAndRefresh(
    context,
    write,
    currentAnswersFromPrimary(context),
  );
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
  const session = openPrimarySession(context.env.DB);
  const gone: ChatLookup = { status: "conversation-not-found" };
  const write = deleteConversation(session.db, chatId).then((deleted) => ({
    result: deleted,
    changes: [{ chatId, lookup: gone }],
    bookmark: session.bookmark(),
  }));
  const { result: existed, bookmark } = await writeAndRefresh(
    context,
    write,
    currentAnswersFromPrimary(context),
  );
  if (!existed) throw new ApiError(404, ErrorMessage.conversationNotFound);
  return { bookmark };
}
