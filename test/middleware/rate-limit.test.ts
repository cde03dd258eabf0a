import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  captureLogs,
  gate,
  lookup,
  lookupRequest,
  ManualClock,
  request,
  seedLinkedChat,
  seedToken,
  stall,
  useWorker,
} from "../helpers";

// vitest.config.ts sets the test limits: 100 requests per 60 s per token, and of those, 20
// lookups with Cache-Control: no-cache and 20 batches.
const LIMIT = 100;
const NO_CACHE_LIMIT = 20;
const BATCH_LIMIT = 20;

function batch(token: string, headers: Record<string, string> = {}) {
  return request("/api/clients/view/batch", {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ lookups: [{ chatId }] }),
  });
}

async function expectTooMany(response: Response) {
  expect(response.status).toBe(429);
  expect(response.headers.get("Retry-After")).toBe("60");
  expect(await response.json()).toEqual({ error: "Too many requests" });
}

let chatId: string;
beforeAll(async () => {
  ({ chatId } = await seedLinkedChat());
});

describe("the rate limit per token", () => {
  it("answers 429 with Retry-After once a token is over its limit, and leaves other tokens alone", async () => {
    const busy = await seedToken();
    const other = await seedToken();
    for (let i = 0; i < LIMIT; i++) {
      const response = await lookup(chatId, busy);
      expect(response.status, `request ${i + 1}`).toBe(200);
    }
    const limited = await lookup(chatId, busy);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(limited.headers.get("Content-Type")).toBe("application/json");
    expect(await limited.json()).toEqual({ error: "Too many requests" });

    expect((await lookup(chatId, other)).status).toBe(200);
  });

  it("counts a token, not a caller: past the limit, an unknown token still answers 401, never 429", async () => {
    const limit = vi.spyOn(env.RATE_LIMITER, "limit");
    for (let i = 0; i <= LIMIT; i++) {
      const response = await lookup(chatId, "csl_unknown");
      expect(response.status, `request ${i + 1}`).toBe(401);
    }
    expect(limit).not.toHaveBeenCalled();
  });

  it("lets requests through, and logs, when the limiter throws", async () => {
    vi.spyOn(env.RATE_LIMITER, "limit").mockRejectedValue(new Error("rate limiter unavailable"));
    const token = await seedToken();
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(200);
    expect(logs).toContain('"event":"rate_limit.failed"');
  });

  it("lets requests through after 100 ms when the limiter hangs", async () => {
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const reached = gate();
    vi.spyOn(env.RATE_LIMITER, "limit").mockImplementation(() => {
      reached.release();
      return stall();
    });
    const token = await seedToken();
    const { result: response, logs } = await captureLogs(async () => {
      const sent = api.send(...lookupRequest(chatId, token));
      await reached.opened;
      await clock.advance(100);
      return sent.response;
    });
    expect(response.status).toBe(200);
    expect(logs).toContain('"event":"rate_limit.timeout"');
  });
});

describe("the budgets of their own", () => {
  it("answers 429 to a token's no-cache lookup past its budget, while its ordinary lookups still answer", async () => {
    const token = await seedToken();
    for (let i = 0; i < NO_CACHE_LIMIT; i++) {
      const response = await lookup(chatId, token, { "Cache-Control": "no-cache" });
      expect(response.status, `no-cache lookup ${i + 1}`).toBe(200);
    }
    await expectTooMany(await lookup(chatId, token, { "Cache-Control": "no-cache" }));
    expect((await lookup(chatId, token)).status).toBe(200);
    expect((await lookup(chatId, await seedToken(), { "Cache-Control": "no-cache" })).status).toBe(200);
  });

  it("answers 429 to a token's batch past its budget, whole, while its single lookups still answer", async () => {
    const token = await seedToken();
    for (let i = 0; i < BATCH_LIMIT; i++) {
      expect((await batch(token)).status, `batch ${i + 1}`).toBe(200);
    }
    await expectTooMany(await batch(token));
    expect((await lookup(chatId, token)).status).toBe(200);
  });

  it("counts a no-cache batch against both: past the no-cache budget, it answers 429", async () => {
    const token = await seedToken();
    for (let i = 0; i < NO_CACHE_LIMIT; i++) {
      expect((await lookup(chatId, token, { "Cache-Control": "no-cache" })).status).toBe(200);
    }
    await expectTooMany(await batch(token, { "Cache-Control": "no-cache" }));
    expect((await batch(token)).status).toBe(200);
  });
});
