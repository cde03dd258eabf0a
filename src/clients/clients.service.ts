import {
  type CacheTier,
  type CurrentAnswers,
  currentWriteSequence,
  lastWriteBookmark,
  loadOnce,
  lookupCacheKey,
  readCachedLookup,
  rememberedLookup,
  storeLoadedLookup,
  writeAndRefresh,
} from "../cache/lookup-cache";
import { openPrimarySession, openReadSession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import { ApiError, ErrorMessage } from "../errors";
import { beforeDeadline } from "../lib/deadline";
import type { RequestContext } from "../request-context";
import type { ChatLookup, ClientSession } from "./chat-lookup";
import {
  type ClientFields,
  deleteClient,
  findSessionByChatId,
  findSessionsByChatIds,
  upsertClient,
} from "./clients.repository";

/** How a lookup may be answered. */
export interface LookupOptions {
  /** Skip every cache tier and read D1 (`Cache-Control: no-cache`); the caches are refreshed. */
  fresh: boolean;
  /** Read from a D1 replica at least as new as this bookmark (`x-d1-bookmark`). */
  bookmark: string | null;
}

/** What a lookup found, and where. */
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

async function readD1(
  context: RequestContext,
  chatId: string,
  bookmark: string | null,
): Promise<{ lookup: ChatLookup; bookmark: string | null }> {
  const session = openReadSession(context.env.DB, bookmark);
  const lookup = await withTransientRetries(
    () => findSessionByChatId(session.db, chatId),
    context.deadline,
    context.requestId,
  );
  return { lookup, bookmark: session.bookmark() };
}

async function loadThroughKv(context: RequestContext, chatId: string, sequence: number): Promise<Loaded> {
  const key = await lookupCacheKey(chatId);
  const cached = await readCachedLookup(context, key);
  if (cached !== null) {
    const lookup: ChatLookup = { status: "found", record: cached };
    await storeLoadedLookup(context, chatId, lookup, sequence, "kv");
    return { lookup, tier: "kv", bookmark: null };
  }
  const read = await readD1(context, chatId, lastWriteBookmark(chatId));
  await storeLoadedLookup(context, chatId, read.lookup, sequence, "d1", key);
  return { ...read, tier: "d1" };
}

async function loadFresh(context: RequestContext, chatId: string, bookmark: string | null): Promise<Loaded> {
  const sequence = currentWriteSequence();
  const read = await readD1(context, chatId, bookmark ?? lastWriteBookmark(chatId));
  await storeLoadedLookup(context, chatId, read.lookup, sequence, "d1-fresh");
  return { ...read, tier: "d1" };
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
  if (!options.fresh && context.config.memoryCacheTtlMs > 0) {
    const remembered = rememberedLookup(chatId);
    if (remembered !== undefined) return { lookup: remembered, tier: "memory", storageMs: 0, bookmark: null };
  }
  const load = options.fresh
    ? loadFresh(context, chatId, options.bookmark)
    : loadOnce(chatId, context, (sequence) => loadThroughKv(context, chatId, sequence));
  const loaded = await beforeDeadline(load, context.deadline);
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

/** Reads chats' current answers from the primary: the settle pass of {@link writeAndRefresh}. */
export function currentAnswersFromPrimary(context: RequestContext): CurrentAnswers {
  return (chatIds) => findSessionsByChatIds(openPrimarySession(context.env.DB).db, chatIds);
}

/**
 * Creates or updates a client; every chat of that client then answers its new session, here at
 * once. Retried on transient D1 errors: an upsert is idempotent.
 */
export async function putClient(
  context: RequestContext,
  id: string,
  fields: ClientFields,
): Promise<{ record: ClientSession; bookmark: string | null }> {
  const session = openPrimarySession(context.env.DB);
  const write = withTransientRetries(
    () => upsertClient(session.db, id, fields),
    context.deadline,
    context.requestId,
  ).then(({ record, chatIds }) => {
    const found: ChatLookup = { status: "found", record };
    return {
      result: record,
      changes: chatIds.map((chatId) => ({ chatId, lookup: found })),
      bookmark: session.bookmark(),
    };
  });
  const { result, bookmark } = await writeAndRefresh(context, write, currentAnswersFromPrimary(context));
  return { record: result, bookmark };
}

/**
 * Deletes a client; each of its chats now answers "Client not found", here at once. Not
 * retried: a retry after a lost reply would answer 404 for a delete that succeeded.
 *
 * @throws {ApiError} 404 "Client not found".
 */
export async function removeClient(
  context: RequestContext,
  id: string,
): Promise<{ bookmark: string | null }> {
  const session = openPrimarySession(context.env.DB);
  const unlinked: ChatLookup = { status: "client-not-found" };
  const write = deleteClient(session.db, id).then((deleted) => ({
    result: deleted !== null,
    changes: (deleted?.chatIds ?? []).map((chatId) => ({ chatId, lookup: unlinked })),
    bookmark: session.bookmark(),
  }));
  const { result: existed, bookmark } = await writeAndRefresh(
    context,
    write,
    currentAnswersFromPrimary(context),
  );
  if (!existed) throw new ApiError(404, ErrorMessage.clientNotFound);
  return { bookmark };
}
