/**
 * Helpers of the end-to-end tests: requests to the running Worker (with `fetch`, or byte for byte
 * over a socket when `fetch` refuses to send something), and the checks every answer must pass.
 */
import { connect } from "node:net";
import { expect, inject } from "vitest";
import { ErrorMessage } from "../src/errors.ts";

/** The contract's error messages: an error body carries one of these and nothing else. */
export const CONTRACT_ERRORS: readonly string[] = Object.values(ErrorMessage);

/** The exact `WWW-Authenticate` challenges of a 401. */
export const CHALLENGE = 'Bearer realm="clients-api"';
export const CHALLENGE_INVALID_TOKEN = 'Bearer realm="clients-api", error="invalid_token"';

/**
 * What an answer must never show: stack frames, error class names, SQL, table and binding names.
 * Case-sensitive on purpose: "Conversation not found" is a contract message, `conversation` a table.
 */
export const LEAKS: readonly RegExp[] = [
  /\n\s*at\s/,
  /\bat\s+\S+\s+\(/,
  /\.(?:ts|js):\d+/,
  /\b[A-Z]\w*Error\b/,
  /\bconversation\b/,
  /\bclients\b/,
  /\bapi_tokens\b/,
  /\bDB\b/,
  /\bCACHE\b/,
  /\bSELECT\b/i,
  /\bFROM\b/,
  /\bWHERE\b/,
  /\bSQLITE/i,
  /\bD1_/,
  /csl_/,
];

/** One answer: status, headers and the body, read as text and (when it is JSON) parsed. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; `undefined` when the body is not JSON. */
  json: unknown;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The base URL of the Worker under test, such as `http://127.0.0.1:41234`. */
export function baseUrl(): string {
  return inject("baseUrl");
}

/** `Authorization: Bearer <token>`, the way a bot sends it. */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** The lookup's path and query for a chat id, encoded as a client library would. */
export function viewPath(chatId: string): string {
  return `/api/clients/view?chatId=${encodeURIComponent(chatId)}`;
}

/** What {@link request} sends: method, headers and body. */
export interface RequestParts {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Sends a request with `fetch` to the Worker under test and reads the whole answer.
 *
 * @param path - Path and query, sent exactly as given (already encoded).
 * @param init - Method, headers and body; 10 s at most.
 */
export function request(path: string, init: RequestParts = {}): Promise<Answer> {
  return requestAt(baseUrl(), path, init);
}

/**
 * Sends a request with `fetch` to the Worker at `base` (one of several servers a test started)
 * and reads the whole answer; rejects when no answer comes, as when the server is killed.
 *
 * @param base - Such as `http://127.0.0.1:41234`, without a trailing slash.
 */
export async function requestAt(base: string, path: string, init: RequestParts = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    ...init,
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parse(text) };
}

/** Encodes a string as UTF-8 bytes, keeping lone surrogates as the 3 bytes a careless encoder writes. */
export function looseUtf8(value: string): Buffer {
  const bytes: number[] = [];
  for (const character of value) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000)
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else
      bytes.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      );
  }
  return Buffer.from(bytes);
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Sends one HTTP/1.1 request byte for byte over a socket, for what `fetch` will not send: raw
 * non-ASCII bytes in the request target, control characters in header values.
 *
 * @param target - The request target (path and query), as bytes or as a latin1 string.
 * @param headers - Header lines; values as bytes or latin1 strings. `Host` and `Connection: close` are added.
 */
export async function rawRequest(
  target: Buffer | string,
  headers: [string, Buffer | string][] = [],
  method = "GET",
): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl());
  const bytes = (value: Buffer | string) =>
    typeof value === "string" ? Buffer.from(value, "latin1") : value;
  const head = Buffer.concat([
    Buffer.from(`${method} `, "latin1"),
    bytes(target),
    Buffer.from(" HTTP/1.1\r\n", "latin1"),
    ...[["Host", `${hostname}:${port}`] as [string, string], ...headers].map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `, "latin1"), bytes(value), Buffer.from("\r\n", "latin1")]),
    ),
    Buffer.from("Connection: close\r\n\r\n", "latin1"),
  ]);

  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(head));
    socket.setTimeout(10_000, () => socket.destroy(new Error("raw request: no answer within 10 s")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks)));
  });

  const split = raw.indexOf("\r\n\r\n");
  if (split === -1)
    throw new Error(`raw request: incomplete answer ${JSON.stringify(raw.toString("latin1"))}`);
  const [statusLine = "", ...lines] = raw.subarray(0, split).toString("latin1").split("\r\n");
  const responseHeaders = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) responseHeaders.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = raw.subarray(split + 4);
  if (responseHeaders.get("transfer-encoding")?.toLowerCase().includes("chunked")) body = dechunk(body);
  const text = body.toString("utf8");
  return { status: Number(statusLine.split(" ")[1]), headers: responseHeaders, text, json: parse(text) };
}

/** The headers every response carries: JSON, `no-store`, `nosniff`, and a request id. */
export function expectEveryResponseHeaders(answer: Answer): void {
  const mediaType = answer.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  expect(mediaType, "Content-Type").toBe("application/json");
  expect(answer.headers.get("cache-control"), "Cache-Control").toBe("no-store");
  expect(answer.headers.get("x-content-type-options"), "X-Content-Type-Options").toBe("nosniff");
  expect(answer.headers.get("x-request-id"), "X-Request-Id").toMatch(/^[\w\-=]{1,255}$/);
}

/**
 * An error answer: the status, exactly `{"error": message, ...extra}` (`extra`: the fields the
 * contract adds to some errors, such as `required_scope`), and the headers every response carries.
 */
export function expectError(
  answer: Answer,
  status: number,
  message: (typeof CONTRACT_ERRORS)[number],
  extra: Record<string, unknown> = {},
): void {
  expect({ status: answer.status, body: answer.json }, answer.text).toEqual({
    status,
    body: { error: message, ...extra },
  });
  expectEveryResponseHeaders(answer);
}

/** The lookup's success: 200 with exactly the contract's keys. */
export function expectRecord(answer: Answer, record: { id: string; session_id: string }): void {
  expect({ status: answer.status, body: answer.json }, answer.text).toEqual({
    status: 200,
    body: { success: true, record },
  });
  expectEveryResponseHeaders(answer);
}

/** A body that gives nothing away: no stack, SQL, table or binding names, no token. */
export function expectNoLeak(answer: Answer): void {
  for (const leak of LEAKS) expect(answer.text, `body matches ${leak}`).not.toMatch(leak);
}
