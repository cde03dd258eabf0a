/**
 * Retries of the D1 errors Cloudflare documents as transient, with exponential backoff and full
 * jitter, never past the request's deadline. Only for reads and idempotent writes: a retried
 * write must leave the same rows and give the same answer as one that succeeded the first time.
 */
import { logEvent } from "../lib/log";
import { isTransientD1Error } from "./d1-errors";

const MAX_ATTEMPTS = 4;
const BASE_DELAY_MS = 25;

/**
 * Runs `operation`, running it again after a transient D1 error while attempts and time remain.
 *
 * @param operation - A read or an idempotent write.
 * @param deadline - Epoch ms after which no new attempt starts.
 * @example
 * const row = await withTransientRetries(() => findSessionByChatId(db, chatId), deadline);
 */
export async function withTransientRetries<T>(
  operation: () => Promise<T>,
  deadline: number,
  requestId?: string,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const delay = Math.random() * BASE_DELAY_MS * 2 ** (attempt - 1);
      if (attempt >= MAX_ATTEMPTS || !isTransientD1Error(error) || Date.now() + delay >= deadline) {
        throw error;
      }
      logEvent("warn", "d1.retry", { requestId, attempt, delayMs: Math.round(delay) });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
