import { ApiError, ErrorMessage } from "../errors";
import type { Clock } from "./clock";

/** What {@link withinBudget} answers when the work did not finish in time. */
export const OVER_BUDGET: unique symbol = Symbol("over budget");

/**
 * Waits for optional work (a cache call) for at most `budgetMs`: past that the caller goes on
 * without it, so a hanging cache costs a small, fixed delay, never a failed request.
 */
export async function withinBudget<T>(
  work: Promise<T>,
  budgetMs: number,
  clock: Clock,
): Promise<T | typeof OVER_BUDGET> {
  const timer = new AbortController();
  try {
    const over = clock.sleep(budgetMs, timer.signal).then((): typeof OVER_BUDGET => OVER_BUDGET);
    return await Promise.race([work, over]);
  } finally {
    timer.abort();
  }
}

/**
 * Waits for `work`, but no later than `deadline` (epoch ms): then it fails with the contract's
 * 408, so a hung or slow storage call never holds the caller past `LOOKUP_TIMEOUT_MS`.
 *
 * @throws {ApiError} 408 once the deadline has passed.
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number, clock: Clock): Promise<T> {
  const result = await withinBudget(work, Math.max(0, deadline - clock.now()), clock);
  if (result === OVER_BUDGET) throw new ApiError(408, ErrorMessage.requestTimeout);
  return result;
}
