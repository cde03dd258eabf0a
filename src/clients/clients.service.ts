import {
  type CacheTier,
  type ChatLookup,
  type ClientSession,
  lookupCacheKey,
  readCachedLookup,
  refreshCachedChats,
  rememberedLookup,
  rememberLookup,
  singleFlight,
  writeCachedLookup,
} from "../cache/lookup-cache";
import { openPrimarySession, openReadSession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import { ApiError, ErrorMessage } from "../errors";
import { beforeDeadline } from "../lib/deadline";
import type { RequestContext } from "../request-context";
import { type ClientFields, deleteClient, findSessionByChatId, upsertClient } from "./clients.repository";

export interface LookupOptions {
  /** Skip every cache tier and read D1 (`Cache-Control: no-cache`); the caches are refreshed. */
  fresh: boolean;
  /** Read from a D1 replica at least as new as this bookmark (`x-d1-bookmark`). */
  bookmark: string | null;
}

export interface LookupResult {
  lookup: ChatLookup;
  /** The tier that answered. */
  tier: CacheTier;
  /** Milliseconds spent waiting on KV and D1. */
  storageMs: number;
  /** The D1 bookmark after the query, when D1 was read. */
  bookmark: string | null;
}

type Loaded = Omit<LookupResult, "storageMs">;

async function loadFromD1(
  context: RequestContext,
  chatId: string,
  bookmark: string | null,
  kvKey?: string,
): Promise<Loaded> {
  const { env, config, deadline, requestId } = context;
  const session = openReadSession(env.DB, bookmark);
  const lookup = await withTransientRetries(
    () => findSessionByChatId(session.db, chatId),
    deadline,
    requestId,
  );
  rememberLookup(chatId, lookup, config.memoryCacheTtlMs);
  if (lookup.status === "found") {
    const key = kvKey ?? (await lookupCacheKey(chatId));
    context.waitUntil(writeCachedLookup(env.CACHE, key, lookup.record, config.cacheTtlSeconds, requestId));
  }
  return { lookup, tier: "d1", bookmark: session.bookmark() };
}

async function loadThroughKv(context: RequestContext, chatId: string): Promise<Loaded> {
  const key = await lookupCacheKey(chatId);
  const { env, config, requestId } = context;
  const cached = await readCachedLookup(env.CACHE, key, config.cacheReadBudgetMs, requestId);
  if (cached === null) return loadFromD1(context, chatId, null, key);
  const lookup: ChatLookup = { status: "found", record: cached };
  rememberLookup(chatId, lookup, config.memoryCacheTtlMs);
  return { lookup, tier: "kv", bookmark: null };
}

/**
 * What is known of a chat, from the nearest tier that knows it: this instance's memory, then
 * this location's KV, then one D1 query. Concurrent misses for one chat share one load.
 *
 * @param chatId - A canonical chat id (see src/chat-id.ts).
 * @throws {ApiError} 408 past the deadline.
 */
export async function lookupChat(
  context: RequestContext,
  chatId: string,
  options: LookupOptions,
): Promise<LookupResult> {
  const started = Date.now();
  if (options.fresh) {
    const loaded = await beforeDeadline(loadFromD1(context, chatId, options.bookmark), context.deadline);
    return { ...loaded, storageMs: Date.now() - started };
  }
  if (context.config.memoryCacheTtlMs > 0) {
    const remembered = rememberedLookup(chatId);
    if (remembered !== undefined) return { lookup: remembered, tier: "memory", storageMs: 0, bookmark: null };
  }
  const loaded = await beforeDeadline(
    singleFlight(chatId, () => loadThroughKv(context, chatId)),
    context.deadline,
  );
  return { ...loaded, storageMs: Date.now() - started };
}

/**
 * The answer a caller may see. A session-limited caller learns nothing of chats outside its
 * sessions, not even that they exist: they answer exactly as an unknown chat.
 *
 * @throws {ApiError} 404 "Conversation not found" or "Client not found".
 */
export function visibleAnswer(lookup: ChatLookup, visibleSessions: readonly string[] | null): ClientSession {
  const hidden =
    visibleSessions !== null &&
    (lookup.status !== "found" || !visibleSessions.includes(lookup.record.session_id));
  if (lookup.status === "conversation-not-found" || hidden) {
    throw new ApiError(404, ErrorMessage.conversationNotFound);
  }
  if (lookup.status === "client-not-found") throw new ApiError(404, ErrorMessage.clientNotFound);
  return lookup.record;
}

/**
 * Creates or updates a client, then rewrites the cached answer of every chat of that client, so
 * a session change is answered at once here. Retried on transient D1 errors: an upsert is
 * idempotent.
 */
export async function putClient(
  context: RequestContext,
  id: string,
  fields: ClientFields,
): Promise<{ record: ClientSession; bookmark: string | null }> {
  const session = openPrimarySession(context.env.DB);
  const { record, chatIds } = await beforeDeadline(
    withTransientRetries(() => upsertClient(session.db, id, fields), context.deadline, context.requestId),
    context.deadline,
  );
  const changes = chatIds.map((chatId) => ({ chatId, lookup: { status: "found", record } as const }));
  await beforeDeadline(refreshCachedChats(changes, context), context.deadline);
  return { record, bookmark: session.bookmark() };
}

/**
 * Deletes a client and drops the cached answer of each of its chats, which now answer
 * "Client not found". Not retried: a retry after a lost reply would answer 404 for a delete
 * that succeeded.
 *
 * @throws {ApiError} 404 "Client not found".
 */
export async function removeClient(
  context: RequestContext,
  id: string,
): Promise<{ bookmark: string | null }> {
  const session = openPrimarySession(context.env.DB);
  const deleted = await beforeDeadline(deleteClient(session.db, id), context.deadline);
  if (deleted === null) throw new ApiError(404, ErrorMessage.clientNotFound);
  const changes = deleted.chatIds.map((chatId) => ({
    chatId,
    lookup: { status: "client-not-found" } as const,
  }));
  await beforeDeadline(refreshCachedChats(changes, context), context.deadline);
  return { bookmark: session.bookmark() };
}
