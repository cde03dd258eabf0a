/**
 * A Hono router that keeps the routes it is given and builds its trie at the first match, as
 * Hono's default router does with its own: building it when the routes are mounted would put
 * that work, and the garbage it leaves, into every cold start's script evaluation.
 */
import type { Result, Router } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";

export class DeferredTrieRouter<T> implements Router<T> {
  readonly name = "DeferredTrieRouter";
  #routes: [method: string, path: string, handler: T][] = [];
  #router: TrieRouter<T> | undefined;

  add(method: string, path: string, handler: T): void {
    if (this.#router !== undefined) {
      this.#router.add(method, path, handler);
      return;
    }
    this.#routes.push([method, path, handler]);
  }

  match(method: string, path: string): Result<T> {
    if (this.#router === undefined) {
      const router = new TrieRouter<T>();
      for (const [routeMethod, routePath, handler] of this.#routes)
        router.add(routeMethod, routePath, handler);
      this.#routes = [];
      this.#router = router;
    }
    return this.#router.match(method, path);
  }
}
