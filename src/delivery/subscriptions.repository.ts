/**
 * Webhook subscriptions as the database keeps them: managed by `/api/webhooks`, read by the
 * deliveries (with their secrets, which nothing else reads back).
 */
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { webhooks } from "../db/schema";

/** A subscription as its managers see it: never its secret. */
export interface Subscription {
  name: string;
  url: string;
  events: string[];
  disabled: boolean;
}

/** A subscription as a delivery needs it. */
export interface DeliveryTarget extends Subscription {
  secret: string;
}

/** Every subscription, by name. */
export async function listSubscriptions(db: Database): Promise<Subscription[]> {
  const rows = await db
    .select({
      name: webhooks.name,
      url: webhooks.url,
      events: webhooks.events,
      disabledAt: webhooks.disabledAt,
    })
    .from(webhooks)
    .orderBy(asc(webhooks.name));
  return rows.map(({ disabledAt, ...row }) => ({ ...row, disabled: disabledAt !== null }));
}

/** Every subscription with its secret, by name, for the deliveries. */
export async function readDeliveryTargets(db: Database): Promise<Map<string, DeliveryTarget>> {
  const rows = await db.select().from(webhooks);
  return new Map(
    rows.map((row) => [
      row.name,
      {
        name: row.name,
        url: row.url,
        events: row.events,
        secret: row.secret,
        disabled: row.disabledAt !== null,
      },
    ]),
  );
}

/** What {@link putSubscription} did. */
export type PutOutcome = "created" | "updated" | "full";

/**
 * Updates the subscription `name` (its URL and events; enabled again if it was disabled), or
 * creates it with `secret` while fewer than `max` exist, in one atomic batch: two concurrent
 * creations never make `max + 1`.
 */
export async function putSubscription(
  db: Database,
  fields: { name: string; url: string; events: string[]; secret: string },
  max: number,
): Promise<PutOutcome> {
  const events = JSON.stringify(fields.events);
  const [updated, created] = await db.batch([
    db
      .update(webhooks)
      .set({ url: fields.url, events: fields.events, disabledAt: null, updatedAt: sql`(unixepoch() * 1000)` })
      .where(eq(webhooks.name, fields.name))
      .returning({ name: webhooks.name }),
    db
      .insert(webhooks)
      .select(
        sql`select ${fields.name}, ${fields.url}, ${events}, ${fields.secret}, (unixepoch() * 1000), (unixepoch() * 1000), null
            where not exists (select 1 from ${webhooks} where ${webhooks.name} = ${fields.name})
              and (select count(*) from ${webhooks}) < ${max}`,
      )
      .returning({ name: webhooks.name }),
  ]);
  if (updated.length > 0) return "updated";
  return created.length > 0 ? "created" : "full";
}

/** Deletes the subscription `name`; answers whether there was one. */
export async function deleteSubscription(db: Database, name: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.delete(webhooks).where(eq(webhooks.name, name)).returning({ name: webhooks.name }),
  ]);
  return deleted.length > 0;
}

/** Disables the subscription `name` (its receiver answered 410 Gone). */
export async function disableSubscription(db: Database, name: string): Promise<void> {
  await db.update(webhooks).set({ disabledAt: sql`(unixepoch() * 1000)` }).where(eq(webhooks.name, name));
}
