/**
 * Retries of the D1 errors Cloudflare documents as transient, with exponential backoff and full
 * jitter, never past the request's deadline. Any error is retried for reads and idempotent
 * writes (a retried write leaves the same rows and answer as one that succeeded the first time);
 * only a busy database's, which ran nothing, for other writes. A database still busy at the end
 * answers 503 with `Retry-After`: the caller may try again shortly.
 */
import { ApiError, ErrorMessage } from "../errors";
import type { Clock } from "../lib/clock";
import { logEvent } from "../lib/log";
import { isBusyD1Error, isTransientD1Error } from "./d1-errors";

const MAX_ATTEMPTS = 4;
const BASE_DELAY_MS = 25;

/** When retries must stop, and what to log them under. */
export interface RetryScope {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  clock: Clock;
  requestId?: string;
}

/** How long a caller should wait before trying again a database that stayed busy, in seconds. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * Runs `operation`, running it again after a transient D1 error while attempts and time remain.
 *
 * @param idempotent - Whether any transient error may be retried (reads, upserts), or only a
 *   busy database's (deletes: after a lost reply, a retry would answer 404 for a delete done).
 * @throws {ApiError} 503 with `Retry-After` when the database stayed busy.
 * @example
 * const row = await withTransientRetries(() => findTokenByHash(db, hash), { deadline, clock });
 */
export async function withTransientRetries<T>(
  operation: () => Promise<T>,
  scope: RetryScope,
  idempotent = true,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const delay = Math.random() * BASE_DELAY_MS * 2 ** (attempt - 1);
      const retryable = idempotent ? isTransientD1Error(error) : isBusyD1Error(error);
      if (attempt >= MAX_ATTEMPTS || !retryable || scope.clock.now() + delay >= scope.deadline) {
        if (!isBusyD1Error(error)) throw error;
        logEvent("warn", "d1.busy", { requestId: scope.requestId, attempts: attempt });
        throw new ApiError(503, ErrorMessage.serviceUnavailable, {
          headers: { "Retry-After": String(BUSY_RETRY_AFTER_SECONDS) },
        });
      }
      logEvent("warn", "d1.retry", { requestId: scope.requestId, attempt, delayMs: Math.round(delay) });
      await scope.clock.sleep(delay);
    }
  }
}
