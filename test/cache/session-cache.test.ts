/**
 * The session statuses' cache kept true by status writes: a load that read D1 before a write
 * never puts the older status back, a refused KV write is repaired by the settle pass, and a
 * status write answers within its deadline whatever KV does.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sessionCacheKey } from "../../src/cache/sessions/session-kv";
import {
  captureLogs,
  hangKv,
  holdNextStatement,
  ManualClock,
  seedLinkedChat,
  seedToken,
  useWorker,
} from "../helpers";
import { sessionLookupRequest, statusOf, statusRequest } from "../sessions/support";

const SETTLE_DELAY_MS = 1500;
const T0 = Date.parse("2026-01-05T10:00:00Z");

let reader: string;
let writer: string;
beforeAll(async () => {
  reader = await seedToken();
  writer = await seedToken({ scopes: ["sessions:write"] });
});

const isSessionRead = (sql: string) => sql.startsWith("select") && /from "sessions"/.test(sql);
const kvEntry = async (sessionId: string) => env.CACHE.get(await sessionCacheKey(sessionId), "json");

describe("a status write racing a lookup that read D1 before it", () => {
  it("keeps the new status: the older one is answered to that lookup, and neither kept nor put in KV", async () => {
    const { chatId, record } = await seedLinkedChat();
    const api = useWorker({});
    await api.fetch(...statusRequest(writer, record.session_id, "WORKING", T0));
    const reading = useWorker({ vars: { MEMORY_CACHE_TTL_MS: "0" } });
    // A first miss: the next one would put its answer in KV.
    await env.CACHE.delete(await sessionCacheKey(record.session_id));
    await reading.fetch(...sessionLookupRequest(reader, chatId));

    const held = holdNextStatement(isSessionRead);
    const before = reading.send(...sessionLookupRequest(reader, chatId));
    await held.reached;
    expect(
      (await reading.fetch(...statusRequest(writer, record.session_id, "FAILED", T0 + 1000))).status,
    ).toBe(200);
    held.release();
    expect(await statusOf(await before.response)).toBe("WORKING");
    await before.settled;

    expect(await kvEntry(record.session_id)).toEqual({ status: "FAILED", since: T0 + 1000 });
    expect(await statusOf(await reading.fetch(...sessionLookupRequest(reader, chatId)))).toBe("FAILED");
  });
});

describe("the settle pass of a status write", () => {
  it("repairs KV after KV refused the write's own refresh (one write per key per second)", async () => {
    const { record } = await seedLinkedChat();
    const clock = new ManualClock();
    const api = useWorker({ clock, settleDelayMs: SETTLE_DELAY_MS });
    const starting = api.send(...statusRequest(writer, record.session_id, "STARTING", T0));
    await starting.response;
    await clock.waiting();
    await clock.advance(SETTLE_DELAY_MS);
    await starting.settled;

    vi.spyOn(env.CACHE, "put").mockRejectedValueOnce(new Error("KV PUT failed: 429 Too Many Requests"));
    const { result: written, logs } = await captureLogs(async () => {
      const sent = api.send(...statusRequest(writer, record.session_id, "SCAN_QR_CODE", T0 + 300));
      const response = await sent.response;
      expect(await kvEntry(record.session_id)).toEqual({ status: "STARTING", since: T0 });
      await clock.waiting();
      await clock.advance(SETTLE_DELAY_MS);
      await sent.settled;
      return response;
    });
    expect(written.status).toBe(200);
    expect(logs).toContain('"event":"session_cache.refresh_failed"');
    expect(await kvEntry(record.session_id)).toEqual({ status: "SCAN_QR_CODE", since: T0 + 300 });
  });
});

describe("a status write when KV hangs", () => {
  it("answers by the deadline with the status stored, and this instance answers it", async () => {
    const { chatId, record } = await seedLinkedChat();
    const clock = new ManualClock();
    const api = useWorker({ clock });
    const kv = hangKv("put");
    const { result: response, logs } = await captureLogs(async () => {
      const sent = api.send(...statusRequest(writer, record.session_id, "WORKING", T0));
      await kv.reached;
      await clock.advance(5000);
      return sent.response;
    });
    expect(response.status).toBe(200);
    expect(logs).toContain('"event":"session_cache.refresh_slow"');
    expect(await statusOf(await api.fetch(...sessionLookupRequest(reader, chatId)))).toBe("WORKING");
  });
});
