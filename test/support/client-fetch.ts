/**
 * Helpers of the client package's tests: a `fetch` that takes the client's requests to the test's
 * Worker through its fetch handler, as HTTP would, one that also keeps what was sent, and the
 * shape of a failure.
 */
import type { FetchFunction } from "chat-session-lookup-client";
import { BASE_URL, worker } from "./worker";

/** Sends the client's request to the running test's Worker. */
export const workerFetch: FetchFunction = (url, init) => worker().fetch(url.slice(BASE_URL.length), init);

/** What the client sent: method, URL and headers of each request, in order. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Headers;
  body: string | null;
}

/** A `fetch` that records each request and then answers with `answer` (the Worker by default). */
export function recordingFetch(answer: FetchFunction = workerFetch): {
  fetch: FetchFunction;
  sent: SentRequest[];
} {
  const sent: SentRequest[] = [];
  const fetch: FetchFunction = (url, init) => {
    sent.push({
      method: init.method ?? "GET",
      url,
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? init.body : null,
    });
    return answer(url, init);
  };
  return { fetch, sent };
}

/** A failure as the client answers it: `{ ok: false, status, error }`, and `details` when given. */
export function failure(status: number, error: string, details?: { path: string; message: unknown }[]) {
  return { ok: false, status, error, ...(details !== undefined && { details }) };
}
