/**
 * The KV tier of the lookup: chat id → `{ id, session_id }` of its client.
 *
 * Keys carry no personal data: they are a SHA-256 of the canonical chat id under a version
 * prefix, so a change of the cached shape never reads old entries. KV is an optimisation only:
 * a failing read is a miss and a failing write is dropped, both logged, never a failed lookup.
 */
import { describeError, logEvent } from "../lib/log";
import { sha256Hex } from "../lib/sha256";

/** What a successful lookup answers: the client's id and its WhatsApp session. */
export interface ClientSession {
  id: string;
  session_id: string;
}

const KEY_PREFIX = "lookup:v1:";

/** The KV key of a canonical chat id. */
export async function lookupCacheKey(chatId: string): Promise<string> {
  return KEY_PREFIX + (await sha256Hex(chatId));
}

function isClientSession(value: unknown): value is ClientSession {
  if (typeof value !== "object" || value === null) return false;
  const { id, session_id } = value as Record<string, unknown>;
  return typeof id === "string" && typeof session_id === "string";
}

/** The cached answer under `key`, or `null` on a miss, a malformed entry or a KV failure. */
export async function readCachedLookup(
  kv: KVNamespace,
  key: string,
  requestId: string,
): Promise<ClientSession | null> {
  try {
    const value: unknown = await kv.get(key, "json");
    if (value === null) return null;
    if (isClientSession(value)) return { id: value.id, session_id: value.session_id };
    logEvent("warn", "cache.malformed_entry", { requestId });
    return null;
  } catch (error) {
    logEvent("warn", "cache.read_failed", { requestId, error: describeError(error) });
    return null;
  }
}

/** Stores an answer under `key` for `ttlSeconds`; a failure is logged and dropped. */
export async function writeCachedLookup(
  kv: KVNamespace,
  key: string,
  record: ClientSession,
  ttlSeconds: number,
  requestId: string,
): Promise<void> {
  try {
    await kv.put(key, JSON.stringify(record), { expirationTtl: ttlSeconds });
  } catch (error) {
    logEvent("warn", "cache.write_failed", { requestId, error: describeError(error) });
  }
}
