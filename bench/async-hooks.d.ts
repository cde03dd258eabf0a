/**
 * The one piece of `node:async_hooks` bench/worker.ts uses, which workerd provides under the
 * `nodejs_als` compatibility flag (bench/wrangler.bench.toml). The Workers types this project
 * generates (worker-configuration.d.ts) leave Node's modules out.
 */
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
