import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { request, seedLinkedChat, seedToken } from "../helpers";

const INTERNALS =
  /stack|\bat \w|SELECT|INSERT|sqlite|D1_|drizzle|conversation|api_tokens|clients|CACHE|\bDB\b/i;

beforeAll(async () => {
  await seedLinkedChat();
});

async function expectCleanAnswer(response: Response) {
  expect(response.status).toBeLessThan(500);
  expect(response.headers.get("Content-Type")).toBe("application/json");
  const text = await response.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  if (response.status !== 200) {
    expect(typeof body.error).toBe("string");
    expect(text).not.toMatch(INTERNALS);
  }
}

describe("GET /api/clients/view, for any input", () => {
  it("never answers 5xx nor shows internals, whatever the query string", async () => {
    const queryPart = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.constantFrom("%", "%%", "%ZZ", "%ED%A0%80", "%00", "..", "chatId", "chatId=", "&&", "=", "+", "%2B"),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(queryPart, { maxLength: 4 }), fc.boolean(), async (parts, encode) => {
        const values = encode
          ? parts.map(encodeURIComponent)
          : parts.map((part) => part.replace(/[#\s]/g, ""));
        const query = values.map((value, i) => (i % 2 === 0 ? `chatId=${value}` : value)).join("&");
        // A fresh token per run keeps every run under the rate limit.
        const token = await seedToken();
        await expectCleanAnswer(
          await request(`/api/clients/view?${query}`, { headers: { Authorization: `Bearer ${token}` } }),
        );
      }),
      { numRuns: 150 },
    );
  });

  it("never answers 5xx nor shows internals, whatever the Authorization header", async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 100 }).map((value) => `Bearer ${value}`),
      fc.string({ maxLength: 100 }).map((value) => `bearer  ${value}`),
      fc.constantFrom(
        "Bearer",
        "Bearer ",
        "Basic",
        "Bearer =",
        "Bearer ====",
        "Bearer a b",
        `Bearer ${"a".repeat(600)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        let headers: Headers;
        try {
          headers = new Headers({ Authorization: authorization });
        } catch {
          return; // Not a valid HTTP header value: no client can send it.
        }
        const response = await request("/api/clients/view?chatId=123456789@c.us", { headers });
        await expectCleanAnswer(response);
        if (response.status === 401)
          expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm=/);
      }),
      { numRuns: 150 },
    );
  });
});
