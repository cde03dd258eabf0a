/**
 * Seeding and request helpers. Storage is isolated per test file, not per test, so every
 * helper makes rows with fresh ids: no test depends on another's data.
 */
import { env, exports } from "cloudflare:workers";
import { openPrimarySession } from "../src/db/client";
import { apiTokens, clients, conversation, type TokenScope } from "../src/db/schema";
import { sha256Hex } from "../src/lib/sha256";

export const BASE_URL = "http://lookup.test";

/** A fresh identifier with a readable prefix. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 13)}`;
}

/** A fresh, valid phone-number chat id in canonical form (`N@c.us`). */
export function uniqueChatId(): string {
  const digits = crypto.getRandomValues(new Uint32Array(2)).join("").slice(0, 15);
  return `9${digits}@c.us`;
}

export async function seedClient(fields: { id?: string; sessionId?: string } = {}) {
  const client = { id: fields.id ?? uniqueId("client"), sessionId: fields.sessionId ?? uniqueId("session") };
  await openPrimarySession(env.DB).db.insert(clients).values(client);
  return client;
}

export async function seedConversation(fields: { chatId?: string; clientId: string | null }) {
  const row = {
    id: uniqueId("conversation"),
    chatId: fields.chatId ?? uniqueChatId(),
    clientId: fields.clientId,
  };
  await openPrimarySession(env.DB).db.insert(conversation).values(row);
  return row;
}

/** A client with one conversation: the chat id resolves to `{ id, session_id }`. */
export async function seedLinkedChat(fields: { sessionId?: string } = {}) {
  const client = await seedClient(fields);
  const chat = await seedConversation({ clientId: client.id });
  return { chatId: chat.chatId, record: { id: client.id, session_id: client.sessionId } };
}

export interface TokenFields {
  scopes?: TokenScope[];
  sessions?: string[] | null;
  expiresAt?: Date | null;
  revokedAt?: Date | null;
}

/** Stores a new token (as its hash, like the CLI) and returns the token itself. */
export async function seedToken(fields: TokenFields = {}): Promise<string> {
  const token = `csl_test_${crypto.randomUUID().replaceAll("-", "")}`;
  await openPrimarySession(env.DB)
    .db.insert(apiTokens)
    .values({
      name: uniqueId("token"),
      tokenHash: await sha256Hex(token),
      scopes: fields.scopes ?? ["clients:read"],
      sessions: fields.sessions ?? null,
      expiresAt: fields.expiresAt ?? null,
      revokedAt: fields.revokedAt ?? null,
    });
  return token;
}

/** Sends a request through the Worker's own fetch handler, as a caller would. */
export function request(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE_URL}${path}`, init));
}

/** `GET /api/clients/view?chatId=…` with a bearer token. */
export function lookup(chatId: string, token: string, headers: Record<string, string> = {}) {
  return request(`/api/clients/view?chatId=${encodeURIComponent(chatId)}`, {
    headers: { Authorization: `Bearer ${token}`, ...headers },
  });
}

/** The JSON body of a response. */
export async function body(response: Response): Promise<unknown> {
  return response.json();
}

/**
 * Sends a request straight to the app with an execution context of the test's own, and waits
 * for the work it left running (cache writes through `waitUntil`) before returning.
 * `vars` overrides variables for this request only (e.g. `MEMORY_CACHE_TTL_MS: "0"`).
 */
export async function fetchAndSettle(
  path: string,
  init: RequestInit = {},
  vars: Partial<Record<"MEMORY_CACHE_TTL_MS" | "CACHE_TTL_SECONDS" | "ALLOWED_ORIGINS", string>> = {},
): Promise<Response> {
  const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
  const { default: app } = await import("../src/index");
  const context = createExecutionContext();
  const bindings = Object.keys(vars).length === 0 ? env : { ...env, ...vars };
  const response = await app.fetch(new Request(`${BASE_URL}${path}`, init), bindings, context);
  await waitOnExecutionContext(context);
  return response;
}

/** A lookup through {@link fetchAndSettle}. */
export function lookupAndSettle(
  chatId: string,
  token: string,
  vars: Parameters<typeof fetchAndSettle>[2] = {},
): Promise<Response> {
  return fetchAndSettle(
    `/api/clients/view?chatId=${encodeURIComponent(chatId)}`,
    { headers: { Authorization: `Bearer ${token}` } },
    vars,
  );
}

/** What `run` answered, and the log lines written through console while it ran, as text. */
export async function captureLogs<T>(run: () => Promise<T>): Promise<{ result: T; logs: string }> {
  const { vi } = await import("vitest");
  const lines: string[] = [];
  const spies = (["log", "info", "warn", "error"] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    }),
  );
  try {
    return { result: await run(), logs: lines.join("\n") };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

type StatementBehaviour = () => Promise<never>;

/**
 * Watches D1 through every door the app may use (`prepare`, `batch`, `withSession`): returns
 * the SQL of each statement prepared from now on. `breakOn` makes statements that mention the
 * table answer as `behaviour` does (throw, hang) instead of running.
 */
export async function watchD1(breakOn?: {
  table: string;
  behaviour: StatementBehaviour;
  /** How many statements to break; every one when absent. */
  times?: number;
}): Promise<string[]> {
  const { vi } = await import("vitest");
  const prepared: string[] = [];
  let toBreak = breakOn?.times ?? Number.POSITIVE_INFINITY;
  const prepareOn = (target: Pick<D1Database, "prepare">) => {
    const original = target.prepare.bind(target);
    return (sql: string): D1PreparedStatement => {
      prepared.push(sql);
      if (breakOn === undefined || toBreak <= 0 || !sql.includes(`"${breakOn.table}"`)) return original(sql);
      toBreak--;
      const broken = {
        all: breakOn.behaviour,
        raw: breakOn.behaviour,
        first: breakOn.behaviour,
        run: breakOn.behaviour,
      };
      const statement = { ...broken, bind: () => statement };
      brokenStatements.add(statement);
      return statement as unknown as D1PreparedStatement;
    };
  };
  // A batch holding a broken statement fails as a whole, as a D1 batch (one transaction) does.
  const batchOn = (target: Pick<D1Database, "batch">) => {
    const original = target.batch.bind(target);
    return <T>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> =>
      statements.some((statement) => brokenStatements.has(statement))
        ? (breakOn?.behaviour() ?? original<T>(statements))
        : original<T>(statements);
  };
  const brokenStatements = new WeakSet<object>();
  vi.spyOn(env.DB, "prepare").mockImplementation(prepareOn(env.DB));
  vi.spyOn(env.DB, "batch").mockImplementation(batchOn(env.DB));
  const withSession = env.DB.withSession.bind(env.DB);
  vi.spyOn(env.DB, "withSession").mockImplementation((constraint) => {
    const session = withSession(constraint);
    return {
      prepare: prepareOn(session),
      batch: batchOn(session),
      getBookmark: session.getBookmark.bind(session),
    } as D1DatabaseSession;
  });
  return prepared;
}

/** A write request with a JSON body (a string body is sent as is). */
export function write(
  method: "PUT" | "DELETE",
  path: string,
  token: string,
  body?: unknown,
): Promise<Response> {
  return request(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}
