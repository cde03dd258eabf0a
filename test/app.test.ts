import { describe, expect, it } from "vitest";
import { captureLogs, lookup, request, seedLinkedChat, seedToken, useWorker } from "./helpers";

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

  it("answers HEAD where GET is allowed, with the headers and no body", async () => {
    const response = await request("/health", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    expect(await response.text()).toBe("");
  });

  it.each([
    ["LOOKUP_TIMEOUT_MS", "soon"],
    ["CACHE_TTL_SECONDS", "10"],
    ["MEMORY_CACHE_TTL_MS", "-1"],
  ] as const)("answers 500 and logs the variable's name when %s is %j", async (name, value) => {
    const { chatId } = await seedLinkedChat();
    const token = await seedToken();
    useWorker({ vars: { [name]: value } });
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "Internal Server Error" });
    expect(logs).toContain(`invalid configuration: ${name}`);
  });

  it.each(["POST", "PUT", "DELETE"])("answers %s /health with 405 and Allow: GET", async (method) => {
    const response = await request("/health", { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET");
  });
});

describe("the request log", () => {
  it("writes one JSON line per request with its route, status, tier and duration, and no chat id or token", async () => {
    const { chatId } = await seedLinkedChat();
    const token = await seedToken();
    const { result: response, logs } = await captureLogs(() => lookup(chatId, token));
    const lines = logs.split("\n").filter((line) => line.includes('"event":"request"'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "{}");
    expect(line).toMatchObject({
      level: "info",
      event: "request",
      requestId: response.headers.get("X-Request-Id"),
      method: "GET",
      route: "/api/clients/view",
      status: 200,
      tier: "d1",
    });
    expect(typeof line.durationMs).toBe("number");
    expect(logs).not.toContain(chatId.split("@")[0]);
    expect(logs).not.toContain(token);
  });

  it("logs a conversation write by its route pattern, never by the chat id in its path", async () => {
    const writer = await seedToken({ scopes: ["clients:write"] });
    const { logs } = await captureLogs(() =>
      request("/api/conversations/4915112345678@c.us", {
        method: "DELETE",
        headers: { Authorization: `Bearer ${writer}` },
      }),
    );
    expect(logs).toContain('"route":"/api/conversations/:chatId"');
    expect(logs).not.toContain("4915112345678");
  });
});

describe("CORS", () => {
  const ORIGIN = "https://dashboard.example";

  it("is off by default: no Access-Control headers, whatever the Origin", async () => {
    const response = await request("/health", { headers: { Origin: ORIGIN } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("echoes an origin ALLOWED_ORIGINS names, never a wildcard, never with credentials", async () => {
    useWorker({ vars: { ALLOWED_ORIGINS: ORIGIN } });
    const response = await request("/health", { headers: { Origin: ORIGIN } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
    expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(response.headers.get("Access-Control-Expose-Headers")).toContain("X-Request-Id");
  });

  it("answers a preflight from an allowed origin", async () => {
    useWorker({ vars: { ALLOWED_ORIGINS: `https://other.example, ${ORIGIN}` } });
    const response = await request("/api/clients/view?chatId=123@c.us", {
      method: "OPTIONS",
      headers: {
        Origin: ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("GET");
    expect(response.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
  });

  it("gives an origin it does not name no Access-Control headers", async () => {
    useWorker({ vars: { ALLOWED_ORIGINS: ORIGIN } });
    const response = await request("/health", { headers: { Origin: "https://evil.example" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
