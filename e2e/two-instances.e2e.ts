/**
 * Two Worker instances of one location: two `wrangler dev` over one throwaway `--persist-to`,
 * sharing D1 and KV, each with its own memory. What the docs promise across instances
 * (docs/caching.md, "When a write shows"; docs/tokens.md, "Revocation"): a write through one answered by the other within
 * MEMORY_CACHE_TTL_MS for every id of the conversation; concurrent writes through both answering
 * 200 or 503 and converging on what D1 committed; a revoked token refused by both within 60 s.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../scripts/lib/dev-server.ts";
import { CONFIG_PATH, readWorkerConfig } from "../scripts/lib/wrangler-config.ts";
import { DEFAULT_CACHE_POLICY } from "../src/cache/policy.ts";
import { type InstanceApi, instanceApi, lookupResult, tierOf } from "./instance-api.ts";
import { pollUntil } from "./polling.ts";
import { type Answer, CHALLENGE_INVALID_TOKEN, expectError } from "./support.ts";
import { createThrowawayState, type ThrowawayState } from "./throwaway-state.ts";
import { createToken, revokeToken } from "./tokens.ts";

// Beyond each promise: lookups on a loaded 2-core machine take up to a second or two each, and
// a poll sees a change up to one interval late.
const MARGIN_MS = 5_000;
// The settle pass (docs/caching.md, "When a write shows", step 3) puts crossed replies right this long after a write.
const SETTLE_DELAY_MS = 1_500;
// "A revoked token stops working everywhere within 60 seconds" (docs/tokens.md).
const REVOCATION_MS = 60_000;
const REVOCATION_MARGIN_MS = 10_000;
const CONCURRENT_WRITES = 40;

const run = Date.now().toString().slice(-8);
let memoryTtlMs: number;
let state: ThrowawayState;
const servers: DevServer[] = [];
let one: InstanceApi;
let other: InstanceApi;
let revocable: { a: InstanceApi; b: InstanceApi };

beforeAll(async () => {
  const { vars } = await readWorkerConfig(CONFIG_PATH);
  memoryTtlMs = Number(vars.get("MEMORY_CACHE_TTL_MS") ?? DEFAULT_CACHE_POLICY.lookups.memory.ttlMs);
  expect(memoryTtlMs, "the memory tier's TTL").toBeGreaterThan(0);

  state = await createThrowawayState("csl-two-instances-");
  const { persistTo, workDir } = state;
  const readWrite = await createToken(persistTo, "two-read-write", [
    "--scopes",
    "clients:read,clients:write",
  ]);
  const readOnly = await createToken(persistTo, "two-revocable", ["--scopes", "clients:read"]);
  // One after the other: two workerd setting up the same local storage at once may stop on
  // SQLite's lock (SQLITE_BUSY) before serving.
  for (const name of ["a", "b"]) {
    servers.push(await startDevServer({ persistTo, logPath: join(workDir, `wrangler-dev-${name}.log`) }));
  }
  const [a, b] = servers.map((server) => server.url) as [string, string];
  one = instanceApi(a, readWrite);
  other = instanceApi(b, readWrite);
  revocable = { a: instanceApi(a, readOnly), b: instanceApi(b, readOnly) };
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(servers.map((server) => server.stop()));
  await state?.remove();
}, 30_000);

function expectOk(answer: Answer, what: string): void {
  expect(answer.status, `${what}: ${answer.text}`).toBe(200);
}

/**
 * Makes `reader` remember each id's answer for a whole memory TTL (a `no-cache` read sets its
 * memory afresh), checks that the next lookup is answered from there, and answers what it holds.
 */
async function rememberOn(reader: InstanceApi, ids: readonly string[]): Promise<Map<string, string>> {
  const remembered = new Map<string, string>();
  for (const id of ids) {
    const read = lookupResult(await reader.lookUp(id, { fresh: true }));
    const again = await reader.lookUp(id);
    expect(lookupResult(again), `${id} on ${reader.base}`).toBe(read);
    expect(tierOf(again), `${id} remembered by ${reader.base}`).toBe("memory");
    remembered.set(id, read);
  }
  return remembered;
}

/** Looks `id` up on `api`; anything but one of `allowed` (a 500 above all) fails the test at once. */
async function lookUpOneOf(api: InstanceApi, id: string, allowed: readonly string[]): Promise<string> {
  const result = lookupResult(await api.lookUp(id));
  expect(allowed, `${id} on ${api.base} answered ${result}`).toContain(result);
  return result;
}

/**
 * Makes `reader` remember the answer of every id, runs `write` through `writer`, and waits until
 * `reader` answers `expected` for every id (and nothing but that or what it remembered), within
 * MEMORY_CACHE_TTL_MS of the write's answer.
 */
async function expectShownAcross(
  step: string,
  { writer, reader }: { writer: InstanceApi; reader: InstanceApi },
  ids: readonly string[],
  write: () => Promise<Answer>,
  expected: string,
): Promise<void> {
  const before = await rememberOn(reader, ids);
  expectOk(await write(), step);
  const since = Date.now();
  // The instance that took the write answers it at once.
  for (const id of ids)
    expect(lookupResult(await writer.lookUp(id)), `${step}, ${id} on the writer`).toBe(expected);
  const { afterMs } = await pollUntil(
    `${step}: every id answered ${JSON.stringify(expected)} on the other instance`,
    () => Promise.all(ids.map((id) => lookUpOneOf(reader, id, [before.get(id) ?? "", expected]))),
    (results) => results.every((result) => result === expected),
    { since, withinMs: memoryTtlMs + MARGIN_MS, everyMs: 250 },
  );
  console.info(`${step}: the other instance answered it ${afterMs} ms after the write`);
}

// The revocation test waits up to a minute for the instances' token caches to forget the token;
// the first write test runs meanwhile, but only once the token CLI is done with the shared
// database: a third process writing it could make a write answer 503 (SQLite's lock).
let tokenCliDone: () => void = () => undefined;
const tokenCliReleased = new Promise<void>((resolve) => {
  tokenCliDone = resolve;
});

describe("two instances over one D1 and KV", () => {
  it.concurrent("answer a write made through the other within MEMORY_CACHE_TTL_MS, for every id of the conversation", {
    timeout: 120_000,
  }, async () => {
    await tokenCliReleased;
    const client = `two-client-${run}`;
    const [phone, lid] = [`4915${run}@c.us`, `7${run}${run}@lid`];
    const ids = [phone, lid];
    const [ab, ba] = [
      { writer: one, reader: other },
      { writer: other, reader: one },
    ];
    expectOk(await one.write("PUT", `/api/clients/${client}`, { session_id: "first" }), "client");
    expectOk(await one.write("PUT", `/api/conversations/${phone}`, { client_id: client }), "conversation");

    // The other instance remembers the LID as unknown, then the alias makes it the phone number's.
    await expectShownAcross(
      "an alias added",
      ab,
      ids,
      () => one.write("PUT", `/api/conversations/${phone}/aliases/${lid}`),
      `${client}/first`,
    );
    await expectShownAcross(
      "a session change",
      ba,
      ids,
      () => other.write("PUT", `/api/clients/${client}`, { session_id: "second" }),
      `${client}/second`,
    );
    await expectShownAcross(
      "a client deleted",
      ab,
      ids,
      () => one.write("DELETE", `/api/clients/${client}`),
      "Client not found",
    );
    await expectShownAcross(
      "a conversation deleted",
      ba,
      ids,
      () => other.write("DELETE", `/api/conversations/${phone}`),
      "Conversation not found",
    );
  });

  it.concurrent("refuse a token revoked with the CLI within 60 s, on both", {
    timeout: 180_000,
  }, async () => {
    const unknown = `4917${run}@c.us`;
    try {
      // Accepted by both: the lookup itself answers (an unknown chat), not the token check.
      for (const api of [revocable.a, revocable.b]) {
        expect(lookupResult(await api.lookUp(unknown))).toBe("Conversation not found");
      }
      await revokeToken(state.persistTo, "two-revocable");
    } finally {
      tokenCliDone();
    }
    const since = Date.now();
    const refused = await Promise.all(
      [revocable.a, revocable.b].map((api) =>
        pollUntil(
          `${api.base} refusing the revoked token`,
          async () => {
            const answer = await api.lookUp(unknown);
            // Until refused, the lookup itself answers: never an error of the token check.
            if (answer.status !== 401) expect(lookupResult(answer), api.base).toBe("Conversation not found");
            return answer;
          },
          (answer) => answer.status === 401,
          { since, withinMs: REVOCATION_MS + REVOCATION_MARGIN_MS, everyMs: 2_000 },
        ),
      ),
    );
    for (const { value, afterMs } of refused) {
      expectError(value, 401, "Unauthorized");
      expect(value.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID_TOKEN);
      console.info(`the revoked token was refused ${afterMs} ms after the CLI revoked it`);
    }
  });

  it("take concurrent writes through both, each 200 or 503, and converge on what D1 committed", {
    timeout: 120_000,
  }, async () => {
    const client = `two-busy-${run}`;
    // The third id is read with no-cache only, so that reading D1 refreshes no cache of the others.
    const [phone, lid, witness] = [`4916${run}@c.us`, `8${run}${run}@lid`, `9${run}${run}@lid`];
    expectOk(await one.write("PUT", `/api/clients/${client}`, { session_id: "busy-0" }), "client");
    expectOk(await one.write("PUT", `/api/conversations/${phone}`, { client_id: client }), "conversation");
    for (const alias of [lid, witness])
      expectOk(await one.write("PUT", `/api/conversations/${phone}/aliases/${alias}`), "alias");
    await Promise.all([rememberOn(one, [phone, lid]), rememberOn(other, [phone, lid])]);

    const sessions = Array.from({ length: CONCURRENT_WRITES }, (_, index) => `busy-${index + 1}`);
    const answers = await Promise.all(
      sessions.map((session, index) =>
        (index % 2 === 0 ? one : other).write("PUT", `/api/clients/${client}`, { session_id: session }),
      ),
    );
    const settledAt = Date.now();
    const written = new Set<string>();
    let busy = 0;
    for (const [index, answer] of answers.entries()) {
      if (answer.status === 503) {
        // Nothing was written: the caller is told when to try again.
        expectError(answer, 503, "Service unavailable");
        expect(answer.headers.get("retry-after")).toBe("1");
        busy += 1;
      } else {
        expect({ status: answer.status, body: answer.json }, answer.text).toEqual({
          status: 200,
          body: { success: true, record: { id: client, session_id: sessions[index] } },
        });
        written.add(`${client}/${sessions[index]}`);
      }
    }
    console.info(`${CONCURRENT_WRITES} concurrent writes through both instances: ${busy} answered 503`);

    const committed = lookupResult(await one.lookUp(witness, { fresh: true }));
    expect(written, `D1 holds ${committed}, which no write answered with 200`).toContain(committed);
    const ids = [phone, lid];
    // Any session written, or the first: never an error.
    const possible = [`${client}/busy-0`, ...written];
    const everyAnswer = () =>
      Promise.all([one, other].flatMap((api) => ids.map((id) => lookUpOneOf(api, id, possible))));
    // Crossed replies are put right by the settle pass; then memory holds them at most one TTL.
    const settledBy = SETTLE_DELAY_MS + memoryTtlMs;
    const { afterMs } = await pollUntil(
      `both instances answering ${committed} for every id`,
      everyAnswer,
      (all) => all.every((result) => result === committed),
      { since: settledAt, withinMs: settledBy + MARGIN_MS, everyMs: 250 },
    );
    console.info(`both instances answered the committed session ${afterMs} ms after the last write`);

    // An earlier answer may show until the last settle pass and one TTL after it; from then on both
    // keep the committed one, past one more TTL: no older answer was left in KV to be read again.
    await sleep(Math.max(0, settledAt + settledBy - Date.now()));
    const stableUntil = Date.now() + memoryTtlMs + 1_000;
    while (Date.now() < stableUntil) {
      for (const result of await everyAnswer()) expect(result).toBe(committed);
      await sleep(250);
    }
  });
});
