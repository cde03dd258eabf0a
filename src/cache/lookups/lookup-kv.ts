/**
 * What the lookup keeps in KV (src/cache/kv-tier.ts): found answers only, each chat's record
 * under a key that carries no phone number.
 */

import type { ChatChange, ClientSession } from "../../domain/chat-lookup";
import { type KvShape, kvKey } from "../kv-tier";

function isClientSession(value: unknown): value is ClientSession {
  if (typeof value !== "object" || value === null) return false;
  const { id, session_id } = value as Record<string, unknown>;
  return typeof id === "string" && typeof session_id === "string";
}

export const LOOKUP_KV: KvShape<ClientSession> = {
  keyPrefix: "lookup:v1:",
  logPrefix: "cache",
  parse: (value) => (isClientSession(value) ? { id: value.id, session_id: value.session_id } : undefined),
};

/** The KV key of a canonical chat id. */
export function lookupCacheKey(chatId: string): Promise<string> {
  return kvKey(LOOKUP_KV, chatId);
}

/** What KV should hold after `changes`: each found chat's record; nothing for the others. */
export function kvEntries(changes: readonly ChatChange[]): [string, ClientSession | undefined][] {
  return changes.map(({ chatId, lookup }) => [chatId, lookup.status === "found" ? lookup.record : undefined]);
}
