/**
 * The Worker under test, built fresh for every test (see test/setup.ts): its own memory tier,
 * token cache and write log, a settle pass that runs right after each write, an execution
 * context of its own, so that no work a test starts can outlive it, and a delivery queue of its
 * own that keeps what is sent to it (the queue's consumer is called by the tests themselves).
 */
import { env } from "cloudflare:workers";
import type { Delivery } from "../../src/delivery/outbox";
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
  | "ALLOW_LOCAL_WEBHOOKS"
  | "EVENTS_RETENTION_DAYS"
  | "TEST_HOLD_QUEUE_SEND"
  | "WAHA_WEBHOOK_HMAC_KEY";

export interface TestWorkerOptions {
  /** Time as the Worker sees it (default: the real clock). */
  clock?: Clock;
  /** How long after a write its settle pass runs (default 0: at once). */
  settleDelayMs?: number;
  /** Variables that differ from wrangler.toml's, for this Worker only. */
  vars?: Partial<Record<Variable, string>>;
  /** Whether the Worker's first request sweeps the outbox (default: no, so that tests count only their own storage calls). */
  sweepOnStart?: boolean;
  /** The receivers' `fetch` for deliveries. */
  fetch?: typeof fetch;
}

/** A delivery queue that keeps every message sent to it, in order. */
export class RecordingQueue {
  readonly sent: Delivery[] = [];
  /** Makes `sendBatch` throw, as a queue that is down does. */
  failing = false;

  async send(body: Delivery): Promise<void> {
    await this.sendBatch([{ body }]);
  }

  async sendBatch(messages: MessageSendRequest<Delivery>[]): Promise<void> {
    if (this.failing) throw new Error("queue unavailable");
    for (const message of messages) this.sent.push(structuredClone(message.body));
  }

  /** Takes the messages sent so far, leaving none. */
  take(): Delivery[] {
    return this.sent.splice(0);
  }
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
  /** What the Worker sent to its delivery queue. */
  readonly queue = new RecordingQueue();

  constructor(options: TestWorkerOptions = {}) {
    this.#app = createWorker({
      settleDelayMs: options.settleDelayMs ?? 0,
      sweepOnStart: options.sweepOnStart ?? false,
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    });
    // One env object per Worker: the app makes its services once per env, as workerd does.
    this.#env = { ...env, WEBHOOK_DELIVERIES: this.queue, ...options.vars } as unknown as Env;
  }

  /** The Worker's `env`, for calling its queue and scheduled handlers. */
  get env(): Env {
    return this.#env;
  }

  /** Runs the queue's consumer on `batch`, as the runtime would, and waits for it. */
  async deliver(
    batch: MessageBatch<unknown>,
    context: ExecutionContext = this.#context().context,
  ): Promise<void> {
    await this.#app.queue(batch, this.#env, context);
  }

  /** Runs the Cron Trigger, as the runtime would, and waits for it and the work it left running. */
  async scheduled(): Promise<void> {
    const { context, mine } = this.#context();
    await this.#app.scheduled(
      { cron: "*/5 * * * *", scheduledTime: Date.now(), noRetry: () => {} },
      this.#env,
      context,
    );
    await drain(mine);
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
    const { context, mine } = this.#context();
    const response = Promise.resolve(
      this.#app.fetch(new Request(`${BASE_URL}${path}`, init), this.#env, context),
    );
    const settled = response.then(() => drain(mine)).catch(() => drain(mine));
    return { response, settled };
  }

  /** An execution context whose work is tracked, as a request's or a Cron Trigger's. */
  #context(): { context: ExecutionContext; mine: Set<Promise<unknown>> } {
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
    return { context, mine };
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
