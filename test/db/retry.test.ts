import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { isTransientD1Error } from "../../src/db/d1-errors";
import { captureLogs, lookup, seedLinkedChat, seedToken, uniqueId, watchD1, write } from "../helpers";

let token: string;
beforeAll(async () => {
  token = await seedToken();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("retries of transient D1 errors", () => {
  it.each([
    "D1_ERROR: Network connection lost.",
    "D1_ERROR: internal error; reference = x: storage caused object to be reset",
    "D1 DB reset because its code was updated.",
    "Cannot resolve D1 DB due to transient issue on remote node",
  ])("recognises %j as transient", (message) => {
    expect(isTransientD1Error(new Error("Failed query", { cause: new Error(message) }))).toBe(true);
  });

  it("does not take other errors for transient ones", () => {
    expect(isTransientD1Error(new Error("D1_ERROR: no such table: conversation"))).toBe(false);
    expect(isTransientD1Error("Network connection lost")).toBe(false);
  });

  it("retries a lookup that met a transient error, and answers", async () => {
    const { chatId, record } = await seedLinkedChat();
    const statements = watchD1({
      table: "conversation",
      times: 2,
      behaviour: () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
    });
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
    expect(statements.filter((sql) => sql.includes('"conversation"'))).toHaveLength(3);
    expect(logs.match(/"event":"d1.retry"/g)).toHaveLength(2);
  });

  it("does not retry an error that is not transient", async () => {
    const { chatId } = await seedLinkedChat();
    const statements = watchD1({
      table: "conversation",
      times: 1,
      behaviour: () => Promise.reject(new Error("D1_ERROR: no such column: session_id")),
    });
    const { result: response } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(500);
    expect(statements.filter((sql) => sql.includes('"conversation"'))).toHaveLength(1);
  });

  it("gives up after a few attempts and answers 500", async () => {
    const { chatId } = await seedLinkedChat();
    const statements = watchD1({
      table: "conversation",
      behaviour: () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
    });
    const { result: response } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "Internal Server Error" });
    expect(statements.filter((sql) => sql.includes('"conversation"'))).toHaveLength(4);
  });

  it("retries an idempotent write (PUT) that met a transient error", async () => {
    const writer = await seedToken({ scopes: ["clients:write"] });
    watchD1({
      table: "clients",
      times: 1,
      behaviour: () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
    });
    const id = uniqueId("client");
    const { result: response, logs } = await captureLogs(() =>
      write("PUT", `/api/clients/${id}`, writer, { session_id: "s-1" }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record: { id, session_id: "s-1" } });
    expect(logs).toContain('"event":"d1.retry"');
  });

  it("does not retry a DELETE: a retry after a lost reply would answer 404 for a delete that happened", async () => {
    const writer = await seedToken({ scopes: ["clients:write"] });
    const { chatId } = await seedLinkedChat();
    const statements = watchD1({
      table: "conversation",
      times: 1,
      behaviour: () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
    });
    const { result: response, logs } = await captureLogs(() =>
      write("DELETE", `/api/conversations/${chatId}`, writer),
    );
    expect(response.status).toBe(500);
    expect(statements.filter((sql) => sql.startsWith("delete"))).toHaveLength(1);
    expect(logs).not.toContain('"event":"d1.retry"');
  });

  it.each([
    "D1_ERROR: D1 DB is overloaded. Requests queued for too long.",
    "D1_ERROR: D1 DB is overloaded. Too many requests queued.",
    "D1_ERROR: database is locked: SQLITE_BUSY",
    // The local D1, when another process holds SQLite's lock as it takes the commit token.
    "D1_ERROR: Failed to get session commit token: internal error; reference = oi50cfuna7u7qt02drrvs1ks",
  ])("retries a lookup when the database answers %j, and answers", async (message) => {
    const { chatId, record } = await seedLinkedChat();
    watchD1({ table: "chat_ids", times: 1, behaviour: () => Promise.reject(new Error(message)) });
    const { result: response } = await captureLogs(() => lookup(chatId, token));
    expect(await response.json()).toEqual({ success: true, record });
  });

  it("answers 503 with Retry-After, not 500, when the local D1 cannot take its commit token", async () => {
    const { chatId } = await seedLinkedChat();
    watchD1({
      table: "chat_ids",
      behaviour: () =>
        Promise.reject(
          new Error("D1_ERROR: Failed to get session commit token: internal error; reference = x"),
        ),
    });
    const { result: response } = await captureLogs(() =>
      lookup(chatId, token, { "Cache-Control": "no-cache" }),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("1");
  });

  it("answers 503 with Retry-After, not 500, when the database stays busy", async () => {
    const { chatId } = await seedLinkedChat();
    watchD1({
      table: "chat_ids",
      behaviour: () =>
        Promise.reject(new Error("D1_ERROR: D1 DB is overloaded. Requests queued for too long.")),
    });
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("1");
    expect(await response.json()).toEqual({ error: "Service unavailable" });
    expect(logs).toContain('"event":"d1.busy"');
  });

  it("retries a DELETE the database was too busy to run", async () => {
    const writer = await seedToken({ scopes: ["clients:write"] });
    const { chatId } = await seedLinkedChat();
    const statements = watchD1({
      table: "conversation",
      times: 1,
      behaviour: () => Promise.reject(new Error("D1_ERROR: database is locked: SQLITE_BUSY")),
    });
    const { result: response } = await captureLogs(() =>
      write("DELETE", `/api/conversations/${chatId}`, writer),
    );
    expect(response.status).toBe(200);
    expect(statements.filter((sql) => sql.startsWith("delete"))).toHaveLength(2);
  });

  it("answers 503 to a write when the database stays busy, and writes nothing", async () => {
    const writer = await seedToken({ scopes: ["clients:write"] });
    const id = uniqueId("client");
    watchD1({
      table: "clients",
      behaviour: () => Promise.reject(new Error("D1_ERROR: database is locked: SQLITE_BUSY")),
    });
    const { result: response } = await captureLogs(() =>
      write("PUT", `/api/clients/${id}`, writer, { session_id: "s-1" }),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "Service unavailable" });
  });
});
