/**
 * One request to the service and its answer, within the client's timeout. Never throws: what
 * goes wrong on the way comes back as a {@link Failure}.
 */
import { isErrorMessage } from "./errors.js";
import { fieldOf } from "./records.js";
import type { Failure } from "./results.js";

/** The `fetch` the client calls: the global one, or any of the same shape (tests, proxies). */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** Where the service runs, such as `https://lookup.example.workers.dev` (a path prefix is kept). */
  baseUrl: string;
  /** An API token: `clients:read` for lookups, `clients:write` for the rest. */
  token: string;
  /** Give up on a call after this many milliseconds (default 10,000): it answers `Network error`. */
  timeoutMs?: number | undefined;
  /** A `fetch` to call instead of the global one. */
  fetch?: FetchFunction | undefined;
}

/** How a lookup may be answered: from the caches, or from the database at least as new as a write. */
export interface Freshness {
  /** Skip every cache and read the database (`Cache-Control: no-cache`). */
  fresh?: boolean | undefined;
  /**
   * A write's `bookmark`: read at least as new as that write, on any replica. Sent as
   * `x-d1-bookmark`, with `Cache-Control: no-cache`; `null` or absent sends nothing.
   */
  bookmark?: string | null | undefined;
}

/** One call: method, path (already encoded), query, JSON body, and for lookups their freshness. */
export interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  freshness?: Freshness;
}

/** An answer that arrived: its status, its `x-d1-bookmark`, and its body (`undefined`: not JSON). */
export interface Answer {
  status: number;
  bookmark: string | null;
  body: unknown;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

const NETWORK_ERROR: Failure = { ok: false, status: 0, error: "Network error" };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headersOf(token: string, call: Call): Record<string, string> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "application/json" };
  if (call.body !== undefined) headers["Content-Type"] = "application/json";
  const { fresh = false, bookmark = null } = call.freshness ?? {};
  if (fresh || bookmark !== null) headers["Cache-Control"] = "no-cache";
  if (bookmark !== null) headers["x-d1-bookmark"] = bookmark;
  return headers;
}

/**
 * Checks the options and returns the function that sends calls with them.
 *
 * @throws {TypeError} when `baseUrl` is not an absolute URL or `timeoutMs` not a positive number.
 */
export function createTransport(options: ClientOptions): (call: Call) => Promise<Answer | Failure> {
  const base = options.baseUrl.replace(/\/+$/, "");
  try {
    new URL(base);
  } catch {
    throw new TypeError(`baseUrl is not an absolute URL: ${options.baseUrl}`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`timeoutMs must be a positive number of milliseconds: ${timeoutMs}`);
  }
  // Looked up at each call, so that a fetch installed later (a polyfill, a test's mock) is used.
  const send = options.fetch ?? ((url, init) => fetch(url, init));

  return async (call) => {
    const query = call.query === undefined ? "" : `?${new URLSearchParams(call.query).toString()}`;
    try {
      const response = await send(`${base}${call.path}${query}`, {
        method: call.method,
        headers: headersOf(options.token, call),
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The timeout covers the body too: a reply that stalls midway is no answer.
      const text = await response.text();
      return {
        status: response.status,
        bookmark: response.headers.get("x-d1-bookmark"),
        body: parseJson(text),
      };
    } catch {
      return NETWORK_ERROR;
    }
  };
}

/**
 * The result of an answer: `read`'s for a 200 whose body it accepts, else the failure.
 *
 * @param read - Turns a 200 body into the result; `undefined` when the body is not of the route's shape.
 */
export function settle<T>(answer: Answer | Failure, read: (body: unknown) => T | undefined): T | Failure {
  if ("ok" in answer) return answer;
  if (answer.status === 200) {
    const result = read(answer.body);
    return result === undefined ? { ok: false, status: 200, error: "Unexpected response" } : result;
  }
  const error = fieldOf(answer.body, "error");
  return { ok: false, status: answer.status, error: isErrorMessage(error) ? error : "Unexpected response" };
}
