import type { ClientSession } from "../domain/chat-lookup";
import { ApiError, ErrorMessage } from "../errors";
import type { RequestContext } from "../request-context";
import { type ClientFields, deleteClient, upsertClient } from "./clients.repository";

/**
 * Creates or updates a client; every chat of that client then answers its new session, here at
 * once. Retried on transient D1 errors: an upsert is idempotent.
 */
export function putClient(
  context: RequestContext,
  id: string,
  fields: ClientFields,
): Promise<{ result: ClientSession; bookmark: string | null }> {
  return context.lookups.commit(context, {
    idempotent: true,
    run: (db) => upsertClient(db, id, fields),
  });
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
  const { result: existed, bookmark } = await context.lookups.commit(context, {
    idempotent: false,
    run: (db) => deleteClient(db, id),
  });
  if (!existed) throw new ApiError(404, ErrorMessage.clientNotFound);
  return { bookmark };
}
