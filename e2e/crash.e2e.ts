/**
 * A crash in the middle of writes: a stream of writes of every multi-row kind, several at a time,
 * and the server's whole process group SIGKILLed after a seeded number of answers; then a restart
 * on the same state. Every write that answered 200 must be there, every 503 and every write never
 * sent must not, and none may be half applied (crash-writes.ts). Writes that got no answer may be
 * either. `CRASH_SEED=n` replays a run's order and kill point (the machine's timing aside).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../scripts/lib/dev-server.ts";
import { type CrashWrite, crashWrites, type Found, type RoundPlan } from "./crash-writes.ts";
import { type InstanceApi, instanceApi } from "./instance-api.ts";
import { createThrowawayState, type ThrowawayState } from "./throwaway-state.ts";
import { createToken } from "./tokens.ts";

const SEED = Number(process.env.CRASH_SEED ?? 13);
const CONCURRENCY = 6;
// Rounds whose conversations have a client (merges then adopt or keep it, beside session
// changes and client deletes), and one where none has: merges of conversations without a client.
const ROUNDS: RoundPlan[] = [
  { sessionChanges: 8, clientDeletes: 6, aliasMerges: 6, links: 6, conversationDeletes: 6, owned: true },
  { sessionChanges: 0, clientDeletes: 0, aliasMerges: 14, links: 6, conversationDeletes: 6, owned: false },
  { sessionChanges: 6, clientDeletes: 6, aliasMerges: 8, links: 6, conversationDeletes: 6, owned: true },
];

/** How a write of the stream ended: its status, no answer (the kill), or never sent. */
type Outcome =
  | { kind: "answered"; status: number }
  | { kind: "no answer"; error: string }
  | { kind: "not sent" };

/** A small seeded generator (32-bit linear congruential): the same seed, the same run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Runs `job` over `items`, `concurrency` at a time. */
async function inPool<T>(items: readonly T[], concurrency: number, job: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Sends every write, `CONCURRENCY` at a time, and calls `kill` right after the `killAfter`-th
 * answer; from then on no write is sent. Answers each write's outcome, in order.
 */
async function streamUntilKilled(
  api: InstanceApi,
  writes: readonly CrashWrite[],
  killAfter: number,
  kill: () => Promise<void>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = writes.map(() => ({ kind: "not sent" }));
  let next = 0;
  let answered = 0;
  let killed: Promise<void> | undefined;
  const worker = async () => {
    while (killed === undefined && next < writes.length) {
      const index = next++;
      try {
        const { status } = await (writes[index] as CrashWrite).send(api);
        outcomes[index] = { kind: "answered", status };
        answered += 1;
        if (answered === killAfter) killed = kill();
      } catch (error) {
        outcomes[index] = { kind: "no answer", error: String((error as Error).cause ?? error) };
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (killed === undefined) throw new Error(`the stream ended before its ${killAfter}th answer`);
  await killed;
  return outcomes;
}

/** What the contract says a write left behind, from its outcome; `undefined`: either state. */
function promised(outcome: Outcome): Found | undefined {
  if (outcome.kind === "not sent") return "unchanged";
  if (outcome.kind === "no answer") return undefined;
  // 503: the database was busy and nothing was written; 408: the write may still have committed.
  return outcome.status === 200 ? "applied" : outcome.status === 503 ? "unchanged" : undefined;
}

let state: ThrowawayState;
let server: DevServer | undefined;
let token: string;

beforeAll(async () => {
  state = await createThrowawayState("csl-crash-");
  token = await createToken(state.persistTo, "crash-read-write", ["--scopes", "clients:read,clients:write"]);
  server = await startDevServer({
    persistTo: state.persistTo,
    logPath: join(state.workDir, "wrangler-dev.log"),
  });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await state?.remove();
}, 30_000);

/** The server, started again on the same state and URL if it is not running. */
async function runningServer(): Promise<DevServer> {
  if (server === undefined) throw new Error("no server was started");
  if (server.exited) server = await startDevServer(server.options);
  return server;
}

describe("a crash in the middle of writes", () => {
  const run = Date.now().toString().slice(-6);

  for (const [index, plan] of ROUNDS.entries()) {
    const round = index + 1;
    it(`loses no answered write and half applies none (round ${round})`, { timeout: 180_000 }, async () => {
      const seed = SEED * 100 + round;
      const random = seededRandom(seed);
      const before = await runningServer();
      const api = instanceApi(before.url, token);
      const { seedOwner, writes } = crashWrites(`crash-${run}-${round}`, `${run}${round}`, plan);
      await seedOwner(api);
      await inPool(writes, CONCURRENCY, (write) => write.seed(api));

      const order = shuffled(writes, random);
      // Never before the first few answers, and while several writes are still to be sent.
      const killAfter = 4 + Math.floor(random() * (order.length - CONCURRENCY - 4));
      const outcomes = await streamUntilKilled(api, order, killAfter, () => before.kill());
      expect(before.exited, "wrangler dev is gone after the kill").toBe(true);
      for (const [index, outcome] of outcomes.entries()) {
        // Anything else, a 500 above all, is a failure of its own.
        if (outcome.kind === "answered")
          expect([200, 408, 503], order[index]?.label).toContain(outcome.status);
      }

      const after = await runningServer();
      expect(after.url).toBe(before.url);
      const found = new Map<CrashWrite, Found>();
      await inPool(order, CONCURRENCY, async (write) => {
        found.set(write, await write.inspect(api));
      });

      const tally = { answered: 0, busy: 0, noAnswer: 0, noAnswerApplied: 0, notSent: 0 };
      for (const [index, write] of order.entries()) {
        const outcome = outcomes[index] as Outcome;
        const expected = promised(outcome);
        if (expected !== undefined) {
          expect(found.get(write), `${write.label} (${JSON.stringify(outcome)}, seed ${seed})`).toBe(
            expected,
          );
        }
        if (outcome.kind === "not sent") tally.notSent += 1;
        else if (outcome.kind === "no answer" || outcome.status === 408) {
          tally.noAnswer += 1;
          if (found.get(write) === "applied") tally.noAnswerApplied += 1;
        } else if (outcome.status === 503) tally.busy += 1;
        else tally.answered += 1;
      }
      console.info(
        `round ${round} (seed ${seed}): killed after answer ${killAfter} of ${order.length} writes; ` +
          `${tally.answered} answered 200 and all are there; ${tally.busy} answered 503; ` +
          `${tally.noAnswer} got no answer or a 408 (${tally.noAnswerApplied} of them applied); ${tally.notSent} never sent`,
      );
    });
  }
});
