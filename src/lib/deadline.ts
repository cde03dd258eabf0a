import { ApiError, ErrorMessage } from "../errors";

/** What {@link withinBudget} answers when the work did not finish in time. */
export const OVER_BUDGET: unique symbol = Symbol("over budget");

/**
 * Waits for optional work (a cache call) for at most `budgetMs`: past that the caller goes on
 * without it, so a hanging cache costs a small, fixed delay, never a failed request.
 */
export async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T | typeof OVER_BUDGET> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const over = new Promise<typeof OVER_BUDGET>((resolve) => {
    timer = setTimeout(() => resolve(OVER_BUDGET), budgetMs);
  });
  try {
    return await Promise.race([work, over]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for `work`, but no later than `deadline` (epoch ms): then it fails with the contract's
 * 408, so a hung or slow storage call never holds the caller past `LOOKUP_TIMEOUT_MS`.
 *
 * @throws {ApiError} 408 once the deadline has passed.
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  const result = await withinBudget(work, Math.max(0, deadline - Date.now()));
  if (result === OVER_BUDGET) throw new ApiError(408, ErrorMessage.requestTimeout);
  return result;
}
