/**
 * Recognising D1 failures by their message. Drizzle wraps the driver's error (`cause`), so the
 * whole cause chain is searched.
 */

/** The transient D1 errors Cloudflare documents: the same query may succeed when retried. */
const TRANSIENT_D1_ERRORS = [
  "Network connection lost",
  "storage caused object to be reset",
  "reset because its code was updated",
  "Cannot resolve D1 DB due to transient issue on remote node",
];

/**
 * A database too busy to run the query: D1's overload errors ("D1 DB is overloaded. Requests
 * queued for too long." / "Too many requests queued."), and SQLite's lock (two local
 * processes on one file), which the local D1 also reports as a failed commit token, having
 * rolled the batch back. The query did not run, so even a non-idempotent one may run again.
 */
const BUSY_D1_ERRORS = [
  "D1 DB is overloaded",
  "database is locked",
  "SQLITE_BUSY",
  "Failed to get session commit token",
];

function* messagesOf(error: unknown): Generator<string> {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    yield current.message;
    current = current.cause;
  }
}

function mentions(error: unknown, fragments: readonly string[]): boolean {
  for (const message of messagesOf(error)) {
    if (fragments.some((fragment) => message.includes(fragment))) return true;
  }
  return false;
}

/** Whether `error` is one of D1's transient failures, busy ones included. */
export function isTransientD1Error(error: unknown): boolean {
  return mentions(error, TRANSIENT_D1_ERRORS) || isBusyD1Error(error);
}

/** Whether `error` says the database was too busy to run the query (see {@link BUSY_D1_ERRORS}). */
export function isBusyD1Error(error: unknown): boolean {
  return mentions(error, BUSY_D1_ERRORS);
}

/** Whether `error` is a foreign key violation (a row referring to one that does not exist). */
export function isForeignKeyViolation(error: unknown): boolean {
  return mentions(error, ["FOREIGN KEY constraint failed"]);
}
