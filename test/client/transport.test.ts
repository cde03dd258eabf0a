/**
 * What the client package sends and how it reads what comes back, whatever the network does:
 * URLs and encoding, headers, the health check, failures without an answer (a timeout told apart
 * from a failed request), the service's details, answers that are not the service's.
 */
import { createClient, type FetchFunction } from "chat-session-lookup-client";
import { describe, expect, it } from "vitest";
import { BASE_URL, seedLinkedChat, seedToken } from "../helpers";
import { failure, recordingFetch, workerFetch } from "../support/client-fetch";

/** A `fetch` that answers every request with `body` and `status`. */
const answering =
  (body: string, status = 200): FetchFunction =>
  async () =>
    new Response(body, { status, headers: { "Content-Type": "application/json" } });

const networkError = failure(0, "Network error");
const timeout = failure(0, "Timeout");

/** A `fetch` that never answers, and fails with the signal's reason once it aborts. */
function silentFetch(): { fetch: FetchFunction; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  const fetch: FetchFunction = (_url, init) =>
    new Promise((_, reject) => {
      const signal = init.signal ?? AbortSignal.abort(new Error("no signal"));
      signals.push(signal);
      signal.addEventListener("abort", () => reject(signal.reason));
    });
  return { fetch, signals };
}
const unexpected = (status: number) => failure(status, "Unexpected response");

describe("requests", () => {
  it("keeps a base URL's path prefix and drops its trailing slashes", async () => {
    const { fetch, sent } = recordingFetch(answering("{}", 404));
    const client = createClient({ baseUrl: "https://example.test/lookup//", token: "t", fetch });
    await client.getConversation("123@c.us");
    expect(sent[0]?.url).toBe("https://example.test/lookup/api/conversations/123%40c.us");
  });

  it("encodes each id as one path segment", async () => {
    const { fetch, sent } = recordingFetch(answering("{}", 404));
    const client = createClient({ baseUrl: BASE_URL, token: "t", fetch });
    await client.addAlias("123:4@s.whatsapp.net", "98/../7@lid");
    await client.putClient("a b?c#d", { sessionId: "s" });
    expect(sent.map(({ method, url }) => `${method} ${url.slice(BASE_URL.length)}`)).toEqual([
      "PUT /api/conversations/123%3A4%40s.whatsapp.net/aliases/98%2F..%2F7%40lid",
      "PUT /api/clients/a%20b%3Fc%23d",
    ]);
  });

  it("answers the service's 400 for an id that cannot be a path segment, without a request", async () => {
    const { fetch, sent } = recordingFetch(answering("{}", 500));
    const client = createClient({ baseUrl: BASE_URL, token: "t", fetch });
    expect(await client.getConversation("")).toEqual(failure(400, "Chat ID is required"));
    expect(await client.deleteConversation("..")).toEqual(failure(400, "Invalid chat ID"));
    expect(await client.removeAlias("123@c.us", ".")).toEqual(failure(400, "Invalid alias"));
    expect(await client.deleteClient("")).toEqual(failure(400, "Invalid client ID"));
    expect(await client.putSessionStatus("..", { status: "WORKING" })).toEqual(
      failure(400, "Invalid session ID"),
    );
    expect(sent).toEqual([]);
  });

  it("answers 404 Not found for an Evolution event path that cannot be a segment, as the service would", async () => {
    const { fetch, sent } = recordingFetch(answering("{}", 500));
    const client = createClient({ baseUrl: BASE_URL, token: "t", fetch });
    const event = { event: "connection.update", instance: "s", data: { state: "open" } };
    expect(await client.postEvolutionWebhookByEvent("", event)).toEqual(failure(404, "Not found"));
    expect(await client.postEvolutionWebhookByEvent(".", event)).toEqual(failure(404, "Not found"));
    expect(sent).toEqual([]);
    // What the service answers for the path such a request would reach.
    const reached = await workerFetch(`${BASE_URL}/webhooks/evolution/`, { method: "POST" });
    expect([reached.status, await reached.json()]).toEqual([404, { error: "Not found" }]);
  });

  it("sends the token, and a JSON content type only with a body", async () => {
    const { fetch, sent } = recordingFetch(answering("{}", 404));
    const client = createClient({ baseUrl: BASE_URL, token: "csl_secret", fetch });
    await client.putConversation("123@c.us", { clientId: null });
    await client.deleteConversation("123@c.us");
    expect(sent.map(({ headers }) => [headers.get("authorization"), headers.get("content-type")])).toEqual([
      ["Bearer csl_secret", "application/json"],
      ["Bearer csl_secret", null],
    ]);
    expect(sent[0]?.body).toBe('{"client_id":null}');
  });

  it("checks the service's health without a scope, and reads its answer", async () => {
    const { fetch, sent } = recordingFetch();
    const client = createClient({ baseUrl: BASE_URL, token: "csl_nobody", fetch });
    expect(await client.getHealth()).toEqual({ ok: true });
    expect(sent.map(({ method, url }) => `${method} ${url.slice(BASE_URL.length)}`)).toEqual(["GET /health"]);
    const down = createClient({ baseUrl: BASE_URL, token: "t", fetch: answering('{"status":"down"}') });
    expect(await down.getHealth()).toEqual(unexpected(200));
  });

  it("refuses a base URL that is not absolute and a timeout that is not positive", () => {
    expect(() => createClient({ baseUrl: "lookup.example", token: "t" })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: BASE_URL, token: "t", timeoutMs: 0 })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: BASE_URL, token: "t", timeoutMs: Number.NaN })).toThrow(TypeError);
  });
});

describe("failures", () => {
  it("answers Network error, without throwing, when the request fails", async () => {
    const failing: FetchFunction = () => Promise.reject(new TypeError("fetch failed"));
    const client = createClient({ baseUrl: BASE_URL, token: "t", fetch: failing });
    expect(await client.getClientSession("123@c.us")).toEqual(networkError);
    expect(await client.putClient("abc", { sessionId: "s" })).toEqual(networkError);
  });

  it("gives up after timeoutMs and answers Timeout, without throwing", async () => {
    const { fetch, signals } = silentFetch();
    const client = createClient({ baseUrl: BASE_URL, token: "t", fetch, timeoutMs: 20 });
    expect(await client.getClientSession("123@c.us")).toEqual(timeout);
    expect(signals.map((signal) => signal.aborted)).toEqual([true]);
  });

  it("answers Timeout for an answer whose body stalls past timeoutMs", async () => {
    const stalling: FetchFunction = async (_url, init) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"record":'));
          init.signal?.addEventListener("abort", () => controller.error(init.signal?.reason));
        },
      });
      return new Response(body, { status: 200 });
    };
    const client = createClient({ baseUrl: BASE_URL, token: "t", fetch: stalling, timeoutMs: 20 });
    expect(await client.getConversation("123@c.us")).toEqual(timeout);
  });

  it("answers Network error, not Timeout, for an abort that is not its own timeout", async () => {
    const aborted: FetchFunction = () =>
      Promise.reject(new DOMException("The operation was aborted", "AbortError"));
    const client = createClient({ baseUrl: BASE_URL, token: "t", fetch: aborted });
    expect(await client.deleteConversation("123@c.us")).toEqual(networkError);
  });

  it("answers Unexpected response for a body that is not the service's", async () => {
    const page = createClient({ baseUrl: BASE_URL, token: "t", fetch: answering("<html>Bad gateway", 502) });
    expect(await page.getClientSession("123@c.us")).toEqual(unexpected(502));
    const stranger = createClient({
      baseUrl: BASE_URL,
      token: "t",
      fetch: answering('{"error":"Nope"}', 404),
    });
    expect(await stranger.deleteClient("abc")).toEqual(unexpected(404));
    const shapeless = createClient({
      baseUrl: BASE_URL,
      token: "t",
      fetch: answering('{"record":{"id":1}}'),
    });
    expect(await shapeless.getClientSession("123@c.us")).toEqual(unexpected(200));
    expect(await shapeless.getClientSessions([{ chatId: "123@c.us" }])).toEqual(unexpected(200));
    expect(await shapeless.getConversation("123@c.us")).toEqual(unexpected(200));
    expect(await shapeless.removeAlias("123@c.us", "5@lid")).toEqual(unexpected(200));
  });

  it("answers the service's message and status for its errors", async () => {
    const { chatId } = await seedLinkedChat();
    const reader = createClient({ baseUrl: BASE_URL, token: await seedToken(), fetch: workerFetch });
    expect(await reader.getConversation(chatId)).toEqual({
      ...failure(403, "Permission denied"),
      requiredScope: "clients:write",
    });
  });

  it("carries the service's details, and leaves out details of another shape", async () => {
    const refusal = (details: string) =>
      createClient({
        baseUrl: BASE_URL,
        token: "t",
        fetch: answering(`{"error":"Invalid request body","details":${details}}`, 400),
      }).putConversation("123@c.us", { clientId: null });
    expect(await refusal('[{"path":"client_id","message":"Required","extra":1}]')).toEqual(
      failure(400, "Invalid request body", [{ path: "client_id", message: "Required" }]),
    );
    const bare = failure(400, "Invalid request body");
    expect(await refusal('"client_id"')).toEqual(bare);
    expect(await refusal('[{"path":"client_id"}]')).toEqual(bare);
  });
});
