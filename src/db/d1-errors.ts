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

/** Whether `error` is one of D1's transient failures. */
export function isTransientD1Error(error: unknown): boolean {
  return mentions(error, TRANSIENT_D1_ERRORS);
}

/** Whether `error` is a foreign key violation (a row referring to one that does not exist). */
export function isForeignKeyViolation(error: unknown): boolean {
  return mentions(error, ["FOREIGN KEY constraint failed"]);
}
