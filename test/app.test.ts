import { describe, expect, it } from "vitest";
import { request } from "./helpers";

describe("the app", () => {
  it("answers GET /health with 200 and no authentication", async () => {
    const response = await request("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });

  it.each(["/", "/api", "/api/clients", "/api/clients/view/extra", "/nope"])(
    "answers the unknown route %s with 404 Not found and the contract's headers",
    async (path) => {
      const response = await request(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "Not found" });
      expect(response.headers.get("Content-Type")).toBe("application/json");
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(response.headers.get("X-Request-Id")).toBeTruthy();
    },
  );

  it("gives every response its own request id", async () => {
    const first = await request("/health");
    const second = await request("/health");
    expect(first.headers.get("X-Request-Id")).not.toBe(second.headers.get("X-Request-Id"));
  });

  it("echoes a well-formed X-Request-Id from the caller, for tracing across systems", async () => {
    const response = await request("/health", { headers: { "X-Request-Id": "bot-42-abc" } });
    expect(response.headers.get("X-Request-Id")).toBe("bot-42-abc");
  });

  it("replaces a malformed X-Request-Id instead of echoing it", async () => {
    const response = await request("/health", { headers: { "X-Request-Id": "<script>" } });
    expect(response.headers.get("X-Request-Id")).not.toBe("<script>");
    expect(response.headers.get("X-Request-Id")).toMatch(/^[\w-]+$/);
  });
});
