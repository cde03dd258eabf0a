/**
 * The one error type of the API and its JSON shape. Everything that fails a request throws an
 * `ApiError`; `app.onError` (src/app.ts) turns it into the response, and anything else into a 500.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The contract's error messages, word for word. */
export const ErrorMessage = {
  chatIdRequired: "Chat ID is required",
  chatIdInvalid: "Invalid chat ID",
  aliasInvalid: "Invalid alias",
  altInvalid: "Invalid alt",
  invalidBody: "Invalid request body",
  invalidQuery: "Invalid query",
  clientIdInvalid: "Invalid client ID",
  sessionIdInvalid: "Invalid session ID",
  includeInvalid: "Invalid include",
  payloadTooLarge: "Request body too large",
  unauthorized: "Unauthorized",
  permissionDenied: "Permission denied",
  conversationNotFound: "Conversation not found",
  clientNotFound: "Client not found",
  aliasNotFound: "Alias not found",
  webhookNotFound: "Webhook not found",
  webhookNameInvalid: "Invalid webhook name",
  tooManyWebhooks: "Too many webhooks",
  chatIdConflict: "Chat ID belongs to another client",
  lastId: "A conversation keeps at least one id",
  deleteByChatId: "Delete a conversation by its chat ID",
  notFound: "Not found",
  methodNotAllowed: "Method not allowed",
  requestTimeout: "Request timeout",
  tooManyRequests: "Too many requests",
  internal: "Internal Server Error",
  serviceUnavailable: "Service unavailable",
} as const;

export type ErrorMessage = (typeof ErrorMessage)[keyof typeof ErrorMessage];

/** The body of every error response: `{"error": message, ...details}`. */
export type ErrorBody = { error: ErrorMessage } & Record<string, unknown>;

export interface ApiErrorOptions {
  /** Headers the response must carry, such as `WWW-Authenticate` or `Allow`. */
  headers?: Record<string, string>;
  /** Extra fields of the body, shown to the caller: never internals. */
  details?: Record<string, unknown>;
}

/**
 * A failure with a status and a message from the contract.
 *
 * @example
 * throw new ApiError(404, ErrorMessage.conversationNotFound);
 */
export class ApiError extends HTTPException {
  readonly error: ErrorMessage;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown>;

  constructor(status: ContentfulStatusCode, error: ErrorMessage, options: ApiErrorOptions = {}) {
    super(status, { message: error });
    this.name = "ApiError";
    this.error = error;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }

  /** The JSON body of this error. */
  toBody(): ErrorBody {
    return { error: this.error, ...this.details };
  }
}

/** One field at fault in a body: where (a path of keys) and what is wrong. */
export interface BodyIssue {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * The contract's 400 for a body at fault: `{"error":"Invalid request body","details":[…]}`, each
 * issue's path in dots (empty: the whole body).
 */
export function invalidBody(issues: readonly BodyIssue[]): ApiError {
  const details = issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
  return new ApiError(400, ErrorMessage.invalidBody, { details: { details } });
}
