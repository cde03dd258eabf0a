import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { clients } from "../db/schema";
import type { ClientSession } from "../domain/chat-lookup";

/** The fields a write may set on a client; private fields left `undefined` keep their value. */
export interface ClientFields {
  sessionId: string;
  name?: string | null | undefined;
  phone?: string | null | undefined;
}

/** Creates or updates a client, in one statement. */
export async function upsertClient(db: Database, id: string, fields: ClientFields): Promise<ClientSession> {
  const privateFields = {
    ...(fields.name !== undefined && { name: fields.name }),
    ...(fields.phone !== undefined && { phone: fields.phone }),
  };
  const [upserted] = await db.batch([
    db
      .insert(clients)
      .values({ id, sessionId: fields.sessionId, ...privateFields })
      .onConflictDoUpdate({
        target: clients.id,
        set: { sessionId: fields.sessionId, ...privateFields, updatedAt: sql`(unixepoch() * 1000)` },
      })
      .returning({ id: clients.id, sessionId: clients.sessionId }),
  ]);
  const row = upserted[0];
  if (row === undefined) throw new Error("upsert returned no row");
  return { id: row.id, session_id: row.sessionId };
}

/**
 * Deletes a client; its conversations stay, unlinked (`ON DELETE SET NULL`).
 *
 * @returns Whether a client had this id.
 */
export async function deleteClient(db: Database, id: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.delete(clients).where(eq(clients.id, id)).returning({ id: clients.id }),
  ]);
  return deleted.length > 0;
}
