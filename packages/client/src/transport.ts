/**
 * One call of an operation and its answer, within the client's timeout. Never throws: what goes
 * wrong on the way comes back as a {@link Failure}.
 */
import { type ErrorMessage, isErrorMessage } from "./errors.js";
import {
  type ErrorBody,
  type FreshnessHeaders,
  type OperationId,
  type Operations,
  type PathParameter,
  ROUTES,
} from "./operations.js";
import { fieldOf, readDetails } from "./records.js";
import type { Failure } from "./results.js";

/** The `fetch` the client calls: the global one, or any of the same shape (tests, proxies). */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** Where the service runs, such as `https://lookup.example.workers.dev` (a path prefix is kept). */
  baseUrl: string;
  /** An API token: `clients:read` for lookups, `aliases:write` for `addAlias`, `clients:write` for the rest. */
  token: string;
  /** Give up on a call after this many milliseconds (default 10,000): it answers `Timeout`. */
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

/**
 * One call of an operation: the parts of its request that {@link Operations} lists (path
 * parameters unencoded, query, body), and the freshness of an operation that reads its headers.
 */
export type Call<K extends OperationId> = Pick<
  Operations[K],
  Extract<keyof Operations[K], "path" | "query" | "body">
> &
  (Operations[K] extends { headers: FreshnessHeaders } ? { freshness?: Freshness } : unknown);

/** Any call, as the transport reads it. */
interface AnyCall {
  path?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  freshness?: Freshness;
}

/** An answer that arrived: its status, its `x-d1-bookmark`, and its body (`undefined`: not JSON). */
export interface Answer {
  status: number;
  bookmark: string | null;
  body: unknown;
}

/** Sends one call of `operation`. */
export type Send = <K extends OperationId>(operation: K, call: Call<K>) => Promise<Answer | Failure>;

export const DEFAULT_TIMEOUT_MS = 10_000;

const NETWORK_ERROR: Failure = { ok: false, status: 0, error: "Network error" };
const TIMEOUT: Failure = { ok: false, status: 0, error: "Timeout" };

/**
 * What the service answers for a path parameter that cannot be one segment: empty, `.` and `..`
 * (URLs drop or resolve them, and the request would reach another route). Such a call answers
 * it without a request: a 400 with the parameter's message, or what the path it would reach
 * answers (`status`).
 */
const SEGMENT_ERRORS: {
  readonly [Name in PathParameter]: { empty: ErrorMessage; invalid: ErrorMessage; status?: 404 };
} = {
  id: { empty: "Invalid client ID", invalid: "Invalid client ID" },
  chatId: { empty: "Chat ID is required", invalid: "Invalid chat ID" },
  alias: { empty: "Invalid alias", invalid: "Invalid alias" },
  name: { empty: "Invalid webhook name", invalid: "Invalid webhook name" },
  sessionId: { empty: "Invalid session ID", invalid: "Invalid session ID" },
  // Any event name is the same endpoint; without one, the path is no route.
  event: { empty: "Not found", invalid: "Not found", status: 404 },
};

const isPathParameter = (name: string): name is PathParameter => Object.hasOwn(SEGMENT_ERRORS, name);

/** `route` with each `{name}` replaced by its parameter, encoded as one segment. */
function fillPath(route: string, parameters: Record<string, string>): string | Failure {
  let path = route;
  for (const [name, value] of Object.entries(parameters)) {
    const refusal = isPathParameter(name) ? SEGMENT_ERRORS[name] : undefined;
    if (refusal !== undefined && value === "") {
      return { ok: false, status: refusal.status ?? 400, error: refusal.empty };
    }
    if (refusal !== undefined && (value === "." || value === "..")) {
      return { ok: false, status: refusal.status ?? 400, error: refusal.invalid };
    }
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  }
  return path;
}

function queryOf(query: Record<string, string | number | undefined> | undefined): string {
  const present = Object.entries(query ?? {}).flatMap(([name, value]): [string, string][] =>
    value === undefined ? [] : [[name, String(value)]],
  );
  return present.length === 0 ? "" : `?${new URLSearchParams(present).toString()}`;
}

function freshnessHeaders({ fresh = false, bookmark = null }: Freshness): FreshnessHeaders {
  if (bookmark !== null) return { "Cache-Control": "no-cache", "x-d1-bookmark": bookmark };
  return fresh ? { "Cache-Control": "no-cache" } : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Checks the options and returns the function that sends calls with them.
 *
 * @throws {TypeError} when `baseUrl` is not an absolute URL or `timeoutMs` not a positive number.
 */
export function createTransport(options: ClientOptions): Send {
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
  const fetchAnswer = options.fetch ?? ((url, init) => fetch(url, init));

  async function send<K extends OperationId>(operation: K, call: Call<K>): Promise<Answer | Failure>;
  async function send(operation: OperationId, call: AnyCall): Promise<Answer | Failure> {
    const { method, path: route } = ROUTES[operation];
    const path = fillPath(route, call.path ?? {});
    if (typeof path !== "string") return path;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${options.token}`,
      Accept: "application/json",
      ...(call.body !== undefined && { "Content-Type": "application/json" }),
      ...freshnessHeaders(call.freshness ?? {}),
    };
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetchAnswer(`${base}${path}${queryOf(call.query)}`, {
        method,
        headers,
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
        signal,
      });
      // The timeout covers the body too: a reply that stalls midway is no answer.
      const text = await response.text();
      return {
        status: response.status,
        bookmark: response.headers.get("x-d1-bookmark"),
        body: parseJson(text),
      };
    } catch {
      // Whatever the fetch threw once the timeout has passed (its abort, or anything after it).
      return signal.aborted ? TIMEOUT : NETWORK_ERROR;
    }
  }

  return send;
}

/**
 * The result of an answer: `read`'s for a 200 whose body it accepts, else the failure, with
 * the service's `details` and `required_scope` when it sent them.
 *
 * @param read - Turns a 200 body into the result; `undefined` when the body is not of the route's shape.
 */
export function settle<T>(answer: Answer | Failure, read: (body: unknown) => T | undefined): T | Failure {
  if ("ok" in answer) return answer;
  if (answer.status === 200) {
    const result = read(answer.body);
    return result === undefined ? { ok: false, status: 200, error: "Unexpected response" } : result;
  }
  const error = fieldOf<ErrorBody>(answer.body, "error");
  if (!isErrorMessage(error)) return { ok: false, status: answer.status, error: "Unexpected response" };
  const details = readDetails(fieldOf<ErrorBody>(answer.body, "details"));
  const requiredScope = fieldOf<ErrorBody>(answer.body, "required_scope");
  return {
    ok: false,
    status: answer.status,
    error,
    ...(details !== undefined && { details }),
    ...(typeof requiredScope === "string" && { requiredScope }),
  };
}
