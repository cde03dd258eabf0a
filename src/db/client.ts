import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = DrizzleD1Database<typeof schema>;

const databases = new WeakMap<D1Database, Database>();

/** The Drizzle database over a D1 binding, made once per binding. */
export function database(d1: D1Database): Database {
  let db = databases.get(d1);
  if (db === undefined) {
    db = drizzle(d1, { schema });
    databases.set(d1, db);
  }
  return db;
}
