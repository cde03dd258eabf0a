import { openPrimarySession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import { isPersonId } from "../domain/chat-id";
import { ApiError, ErrorMessage } from "../errors";
import type { RequestContext } from "../request-context";
import {
  deleteConversation,
  deleteId,
  findConversations,
  insertAlias,
  mergeConversations,
  type StoredConversation,
  upsertConversation,
} from "./conversations.repository";

/** A conversation as the API shows it. */
export interface ConversationRecord {
  chat_id: string;
  client_id: string | null;
  aliases: string[];
}

/** What a conversation write answers: the record, and the D1 bookmark after the write. */
export interface ConversationWritten {
  record: ConversationRecord;
  bookmark: string | null;
}

function recordOf(stored: StoredConversation): ConversationRecord {
  return {
    chat_id: stored.chatId,
    client_id: stored.clientId,
    aliases: stored.ids.filter((id) => id !== stored.chatId),
  };
}

/**
 * The conversation that has `chatId` among its ids, read from the primary.
 *
 * @throws {ApiError} 404 "Conversation not found".
 */
export async function getConversation(context: RequestContext, chatId: string): Promise<ConversationRecord> {
  const { db } = openPrimarySession(context.db);
  const [stored] = await withTransientRetries(() => findConversations(db, [chatId]), context);
  if (stored === null || stored === undefined) throw new ApiError(404, ErrorMessage.conversationNotFound);
  return recordOf(stored);
}

/**
 * Links the conversation that has `chatId` among its ids to a client (or unlinks it with
 * `null`), creating it under `chatId` if no conversation has that id; every id of it then
 * answers the new link, here at once. Retried on transient D1 errors: an upsert is idempotent.
 *
 * @throws {ApiError} 404 "Client not found" when `clientId` names no client (nothing is written).
 */
export async function putConversation(
  context: RequestContext,
  chatId: string,
  clientId: string | null,
): Promise<ConversationWritten> {
  const { result: stored, bookmark } = await context.lookups.commit(context, {
    idempotent: true,
    run: (db) => upsertConversation(db, chatId, clientId),
  });
  if (stored === null) throw new ApiError(404, ErrorMessage.clientNotFound);
  return { record: recordOf(stored), bookmark };
}

/**
 * Deletes the conversation whose own chat id is `chatId`; every id of it then answers
 * "Conversation not found", here at once. Not retried: a retry after a lost reply would answer
 * 404 for a delete that succeeded.
 *
 * @throws {ApiError} 404 "Conversation not found"; 409 "Delete a conversation by its chat ID"
 *   when `chatId` is only an alias (nothing is deleted).
 */
export async function removeConversation(
  context: RequestContext,
  chatId: string,
): Promise<{ bookmark: string | null }> {
  const { result, bookmark } = await context.lookups.commit(context, {
    idempotent: false,
    run: (db) => deleteConversation(db, chatId),
  });
  if (result === "alias") throw new ApiError(409, ErrorMessage.deleteByChatId);
  if (result === "unknown") throw new ApiError(404, ErrorMessage.conversationNotFound);
  return { bookmark };
}

type AliasOutcome = { stored: StoredConversation } | { error: ErrorMessage };

const ALIAS_ERROR_STATUS: Partial<Record<ErrorMessage, 400 | 409>> = {
  [ErrorMessage.aliasInvalid]: 400,
  [ErrorMessage.chatIdConflict]: 409,
};

// A write between the read and the guarded batch leaves both conversations as they were; the
// decision is then taken again on what is there now.
const ALIAS_ATTEMPTS = 3;

/**
 * Makes `alias` an id of the conversation that has `chatId` among its ids (a person's). An id of no
 * conversation is added; an id of another conversation merges that one into this one when no
 * client mapping is lost (either has no client, or both the same), in one atomic batch; every
 * id of the merged conversation then answers its client, here at once.
 *
 * @throws {ApiError} 400 "Invalid alias" for a group, broadcast or newsletter conversation; 404
 *   "Conversation not found"; 409 "Chat ID belongs to another client".
 */
export async function putAlias(
  context: RequestContext,
  chatId: string,
  alias: string,
): Promise<ConversationWritten> {
  const { result, bookmark } = await context.lookups.commit<AliasOutcome>(context, {
    idempotent: true,
    run: async (db) => {
      for (let attempt = 1; attempt <= ALIAS_ATTEMPTS; attempt++) {
        const [target, owner] = await findConversations(db, [chatId, alias]);
        if (target === null || target === undefined) {
          return { error: ErrorMessage.conversationNotFound };
        }
        // Only a person's conversation has other ids (an older version let a group have some).
        if (!isPersonId(target.chatId) || (owner && !isPersonId(owner.chatId))) {
          return { error: ErrorMessage.aliasInvalid };
        }
        if (owner?.id === target.id) return { stored: target };
        if (
          owner &&
          owner.clientId !== null &&
          target.clientId !== null &&
          owner.clientId !== target.clientId
        ) {
          return { error: ErrorMessage.chatIdConflict };
        }
        const after = owner
          ? await mergeConversations(db, target, owner, alias)
          : await insertAlias(db, target, alias);
        if (after.target !== null && after.owner?.id === after.target.id) {
          return { stored: after.target };
        }
      }
      throw new Error("an alias write kept meeting concurrent writes");
    },
  });
  if ("error" in result) throw new ApiError(ALIAS_ERROR_STATUS[result.error] ?? 404, result.error);
  return { record: recordOf(result.stored), bookmark };
}

/**
 * Removes `alias` from the ids of the conversation that has `chatId` among them, its own chat id
 * included while another id remains; `alias` then answers "Conversation not found", here at
 * once, and every other id what it answered. A conversation that loses its chat id takes a
 * phone-number id if one remains, else a LID, else a BSUID, the earliest added within a kind.
 * Not retried, as deletes are not.
 *
 * @throws {ApiError} 404 "Conversation not found" or "Alias not found"; 409 "A conversation
 *   keeps at least one id" for its last id.
 */
export async function removeAlias(
  context: RequestContext,
  chatId: string,
  alias: string,
): Promise<{ bookmark: string | null }> {
  const { result, bookmark } = await context.lookups.commit(context, {
    idempotent: false,
    run: (db) => deleteId(db, chatId, alias),
  });
  if (!result.conversation) throw new ApiError(404, ErrorMessage.conversationNotFound);
  if (!result.had) throw new ApiError(404, ErrorMessage.aliasNotFound);
  if (!result.removed) throw new ApiError(409, ErrorMessage.lastId);
  return { bookmark };
}
