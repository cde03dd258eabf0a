/**
 * The Worker under test, built fresh for every test (see test/setup.ts): its own memory tier,
 * token cache and write log, a settle pass that runs right after each write, and an execution
 * context of its own, so that no work a test starts can outlive it.
 */
import { env } from "cloudflare:workers";
import { createWorker } from "../../src/index";
import type { Clock } from "../../src/lib/clock";

export const BASE_URL = "http://lookup.test";

type Variable =
  | "MEMORY_CACHE_TTL_MS"
  | "CACHE_TTL_SECONDS"
  | "ALLOWED_ORIGINS"
  | "LOOKUP_TIMEOUT_MS"
  | "CACHE_READ_TIMEOUT_MS"
  | "ACCESS_TEAM_DOMAIN"
  | "ACCESS_AUD"
  | "WAHA_WEBHOOK_HMAC_KEY";

export interface TestWorkerOptions {
  /** Time as the Worker sees it (default: the real clock). */
  clock?: Clock;
  /** How long after a write its settle pass runs (default 0: at once). */
  settleDelayMs?: number;
  /** Variables that differ from wrangler.toml's, for this Worker only. */
  vars?: Partial<Record<Variable, string>>;
}

/** A request on its way: its response, and the end of the work it left running. */
export interface SentRequest {
  response: Promise<Response>;
  settled: Promise<void>;
}

export class TestWorker {
  readonly #app: ReturnType<typeof createWorker>;
  readonly #env: Env;
  readonly #running = new Set<Promise<unknown>>();

  constructor(options: TestWorkerOptions = {}) {
    this.#app = createWorker({
      settleDelayMs: options.settleDelayMs ?? 0,
      ...(options.clock !== undefined && { clock: options.clock }),
    });
    // One env object per Worker: the app makes its services once per env, as workerd does.
    this.#env = { ...env, ...options.vars } as Env;
  }

  /** Sends a request and waits for its answer and for the work it left running. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const { response, settled } = this.send(path, init);
    const answered = await response;
    await settled;
    return answered;
  }

  /** Sends a request; the work it leaves running goes on ({@link idle} waits for it). */
  send(path: string, init: RequestInit = {}): SentRequest {
    const mine = new Set<Promise<unknown>>();
    const context = {
      waitUntil: (work: Promise<unknown>) => {
        const tracked = work
          .catch(() => undefined)
          .finally(() => {
            mine.delete(tracked);
            this.#running.delete(tracked);
          });
        mine.add(tracked);
        this.#running.add(tracked);
      },
      passThroughOnException: () => {},
      props: {},
    } as unknown as ExecutionContext;
    const response = Promise.resolve(
      this.#app.fetch(new Request(`${BASE_URL}${path}`, init), this.#env, context),
    );
    const settled = response.then(() => drain(mine)).catch(() => drain(mine));
    return { response, settled };
  }

  /** Resolves when no work any request left running is still going on. */
  idle(): Promise<void> {
    return drain(this.#running);
  }
}

async function drain(running: Set<Promise<unknown>>): Promise<void> {
  while (running.size > 0) await Promise.all(running);
}

let current: TestWorker | undefined;
const madeInThisTest: TestWorker[] = [];

/** The Worker of the running test (request helpers use it). */
export function worker(): TestWorker {
  current ??= useWorker({});
  return current;
}

/** Gives the running test a Worker of its own making (a manual clock, other variables). */
export function useWorker(options: TestWorkerOptions): TestWorker {
  current = new TestWorker(options);
  madeInThisTest.push(current);
  return current;
}

/** Ends the running test's Workers: waits for the work they left running, then forgets them. */
export async function retireWorkers(): Promise<void> {
  current = undefined;
  const ending = madeInThisTest.splice(0);
  await Promise.all(ending.map((made) => made.idle()));
}
