/**
 * The service's error messages, word for word, as literal types: a bot can switch on them and
 * the compiler catches a misspelt one.
 */

/** Every message an error answer of the service may carry. */
export const ERROR_MESSAGES = [
  "Chat ID is required",
  "Invalid chat ID",
  "Invalid alias",
  "Invalid alt",
  "Invalid request body",
  "Invalid query",
  "Invalid client ID",
  "Invalid session ID",
  "Invalid include",
  "Request body too large",
  "Unauthorized",
  "Permission denied",
  "Conversation not found",
  "Client not found",
  "Alias not found",
  "Webhook not found",
  "Invalid webhook name",
  "Too many webhooks",
  "Chat ID belongs to another client",
  "A conversation keeps at least one id",
  "Delete a conversation by its chat ID",
  "Not found",
  "Method not allowed",
  "Request timeout",
  "Too many requests",
  "Internal Server Error",
  "Service unavailable",
] as const;

/** One of the service's error messages. */
export type ErrorMessage = (typeof ERROR_MESSAGES)[number];

/**
 * Why a call failed: a message of the service; `Timeout` when no full answer arrived within
 * `timeoutMs`; `Network error` when the request failed before that (connection refused, name
 * not resolved, connection reset); or `Unexpected response` when the answer is not the
 * service's (a proxy's error page, a wrong `baseUrl`).
 */
export type ClientError = ErrorMessage | "Timeout" | "Network error" | "Unexpected response";

const KNOWN: ReadonlySet<string> = new Set(ERROR_MESSAGES);

/** Whether `value` is one of the service's error messages. */
export function isErrorMessage(value: unknown): value is ErrorMessage {
  return typeof value === "string" && KNOWN.has(value);
}

/** The messages one lookup of a batch may answer. */
export type LookupError = Extract<
  ErrorMessage,
  "Chat ID is required" | "Invalid chat ID" | "Invalid alt" | "Conversation not found" | "Client not found"
>;
