/**
 * Retries of the D1 errors Cloudflare documents as transient, with exponential backoff and full
 * jitter, never past the request's deadline. Only for reads and idempotent writes: a retried
 * write must leave the same rows and give the same answer as one that succeeded the first time.
 */
import type { Clock } from "../lib/clock";
import { logEvent } from "../lib/log";
import { isTransientD1Error } from "./d1-errors";

const MAX_ATTEMPTS = 4;
const BASE_DELAY_MS = 25;

/** When retries must stop, and what to log them under. */
export interface RetryScope {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  clock: Clock;
  requestId?: string;
}

/**
 * Runs `operation`, running it again after a transient D1 error while attempts and time remain.
 *
 * @param operation - A read or an idempotent write.
 * @example
 * const row = await withTransientRetries(() => findTokenByHash(db, hash), { deadline, clock });
 */
export async function withTransientRetries<T>(operation: () => Promise<T>, scope: RetryScope): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const delay = Math.random() * BASE_DELAY_MS * 2 ** (attempt - 1);
      if (
        attempt >= MAX_ATTEMPTS ||
        !isTransientD1Error(error) ||
        scope.clock.now() + delay >= scope.deadline
      ) {
        throw error;
      }
      logEvent("warn", "d1.retry", { requestId: scope.requestId, attempt, delayMs: Math.round(delay) });
      await scope.clock.sleep(delay);
    }
  }
}
