import {
  type ClientSession,
  lookupCacheKey,
  readCachedLookup,
  writeCachedLookup,
} from "../cache/lookup-cache";
import { database } from "../db/client";
import { readConfig } from "../env";
import { ApiError, ErrorMessage } from "../errors";
import { beforeDeadline } from "../lib/deadline";
import { findSessionByChatId } from "./clients.repository";

/** What a lookup needs from the request it serves. */
export interface LookupContext {
  env: Env;
  /** Keeps background work (cache writes) alive after the response is sent. */
  waitUntil: (work: Promise<unknown>) => void;
  /** Epoch ms by which storage must have answered. */
  deadline: number;
  requestId: string;
  /** `null`: the caller sees every session; otherwise only clients of these sessions. */
  visibleSessions: readonly string[] | null;
}

/**
 * Finds which client a chat belongs to and which WhatsApp session serves it: from KV when
 * cached, otherwise with one D1 query, whose answer is then cached without delaying the reply.
 *
 * @param chatId - A canonical chat id (see src/chat-id.ts).
 * @throws {ApiError} 404 "Conversation not found" or "Client not found"; 408 past the deadline.
 */
export async function findClientSessionByChatId(
  context: LookupContext,
  chatId: string,
): Promise<ClientSession> {
  const { env, deadline, requestId } = context;
  const key = await lookupCacheKey(chatId);
  let record = await beforeDeadline(readCachedLookup(env.CACHE, key, requestId), deadline);
  if (record === null) {
    const found = await beforeDeadline(findSessionByChatId(database(env.DB), chatId), deadline);
    if (found.status === "conversation-not-found") {
      throw new ApiError(404, ErrorMessage.conversationNotFound);
    }
    if (found.status === "client-not-found") {
      throw hiddenFrom(context) ?? new ApiError(404, ErrorMessage.clientNotFound);
    }
    record = found.record;
    const ttl = readConfig(env).cacheTtlSeconds;
    context.waitUntil(writeCachedLookup(env.CACHE, key, record, ttl, requestId));
  }
  if (context.visibleSessions !== null && !context.visibleSessions.includes(record.session_id)) {
    throw new ApiError(404, ErrorMessage.conversationNotFound);
  }
  return record;
}

/** A session-limited caller learns nothing of chats outside its sessions, not even that they exist. */
function hiddenFrom(context: LookupContext): ApiError | null {
  return context.visibleSessions === null ? null : new ApiError(404, ErrorMessage.conversationNotFound);
}
