/**
 * A burst of lookups over real HTTP: 2,000 requests, 32 at a time, mixing answers that are 200,
 * 404 and 400. No answer may be a 5xx or a network failure, every body must be JSON, and each
 * status must be the one the contract gives. The count per status is printed; durations are
 * measured by nobody and asserted by nothing.
 */
import { describe, expect, inject, it } from "vitest";
import { bearer, request, viewPath } from "./support.ts";

const TOTAL = 2_000;
const CONCURRENCY = 32;

const tokens = inject("tokens");

/** The mix: each lookup with the status and body the contract gives it. */
const MIX: { path: string; status: number; body: unknown }[] = [
  {
    path: viewPath("123456789@c.us"),
    status: 200,
    body: { success: true, record: { id: "abc123", session_id: "xyz789" } },
  },
  {
    path: viewPath("123456789:3@s.whatsapp.net"),
    status: 200,
    body: { success: true, record: { id: "abc123", session_id: "xyz789" } },
  },
  { path: viewPath("555000111@c.us"), status: 404, body: { error: "Client not found" } },
  { path: viewPath("999000999@c.us"), status: 404, body: { error: "Conversation not found" } },
  { path: viewPath("not-a-chat-id"), status: 400, body: { error: "Invalid chat ID" } },
  { path: "/api/clients/view?chatId=", status: 400, body: { error: "Chat ID is required" } },
];

/** Runs `count` jobs with at most `concurrency` in flight; resolves when all have settled. */
async function pool(count: number, concurrency: number, job: (index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await job(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

describe("A burst of lookups", () => {
  it(`answers ${TOTAL} lookups, ${CONCURRENCY} at a time, with no 5xx and JSON bodies only`, async () => {
    const counts = new Map<string, number>();
    const surprises: string[] = [];
    let notJson = 0;
    const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

    await pool(TOTAL, CONCURRENCY, async (index) => {
      const lookup = MIX[index % MIX.length];
      if (lookup === undefined) return;
      try {
        const answer = await request(lookup.path, { headers: bearer(tokens.readWrite) });
        count(String(answer.status));
        if (answer.json === undefined) notJson += 1;
        const matches =
          answer.status === lookup.status && JSON.stringify(answer.json) === JSON.stringify(lookup.body);
        if (!matches && surprises.length < 10) {
          surprises.push(`#${index} ${lookup.path} → ${answer.status} ${answer.text.slice(0, 200)}`);
        }
      } catch (error) {
        count("network error");
        if (surprises.length < 10) surprises.push(`#${index} ${lookup.path} → ${String(error)}`);
      }
    });

    const summary = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.log(
      `burst: ${TOTAL} requests, concurrency ${CONCURRENCY}: ${summary.map(([status, n]) => `${status}: ${n}`).join(", ")}`,
    );

    expect(notJson, "bodies that are not JSON").toBe(0);
    expect(surprises, "answers other than the contract's").toEqual([]);
    expect(summary.filter(([status]) => !/^[1-4]\d\d$/.test(status))).toEqual([]);
    expect([...counts.values()].reduce((sum, n) => sum + n, 0)).toBe(TOTAL);
  }, 90_000);
});
