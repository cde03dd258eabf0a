/**
 * Structured log lines: one JSON object per line, for Workers Logs and `wrangler tail`.
 * Callers pass only what is safe to keep: never a chat id or a token in clear.
 */
type LogLevel = "info" | "warn" | "error";
type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Writes one JSON log line. */
export function logEvent(level: LogLevel, event: string, fields: LogFields = {}): void {
  console[level](JSON.stringify({ level, event, ...fields }));
}

/**
 * A description of an error that is safe to log. Drizzle puts the SQL and its parameters (chat
 * ids) in its own message, so only the driver's underlying error is described.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  if (error.name === "DrizzleQueryError" || error.message.startsWith("Failed query:")) {
    return error.cause === undefined ? "DrizzleQueryError" : describeError(error.cause);
  }
  return `${error.name}: ${error.message}`.slice(0, 300);
}
