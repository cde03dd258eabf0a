/**
 * Seeding and request helpers. Storage is isolated per test file, not per test, so every
 * helper makes rows with fresh ids: no test depends on another's data. Requests go to the
 * running test's own Worker (test/support/worker.ts) and return once the work they started has
 * ended.
 */
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { openPrimarySession } from "../src/db/client";
import { apiTokens, clients, conversation, type TokenScope } from "../src/db/schema";
import { sha256Hex } from "../src/lib/sha256";
import { gate, stall } from "./support/stall";
import { worker } from "./support/worker";

export { lookupCacheKey } from "../src/cache/lookups/lookup-kv";
export { ManualClock } from "./support/manual-clock";
export { gate, stall } from "./support/stall";
export { BASE_URL, useWorker, worker } from "./support/worker";

/** A fresh identifier with a readable prefix. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 13)}`;
}

/** A fresh, valid phone-number chat id in canonical form (`N@c.us`), N of at most 15 digits (a `wa_id`). */
export function uniqueChatId(): string {
  const digits = crypto.getRandomValues(new Uint32Array(2)).join("").padEnd(14, "0").slice(0, 14);
  return `9${digits}@c.us`;
}

/** A fresh LID (`N@lid`): digits of its own, unrelated to any phone number's. */
export function uniqueLid(): string {
  return uniqueChatId().replace("@c.us", "1@lid");
}

/** A fresh phone number as the Cloud API's `wa_id` gives it (12 digits); its chat id is `N@c.us`. */
export function uniqueWaId(): string {
  const digits = crypto.getRandomValues(new Uint32Array(2)).join("").padEnd(11, "0").slice(0, 11);
  return `1${digits}`;
}

/** A fresh business-scoped user id of the Cloud API (`CC.X`), upper and lower case mixed. */
export function uniqueBsuid(): string {
  return `US.${crypto.randomUUID().replaceAll("-", "")}Ab`;
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
  /** Its name: the actor of the events of its writes (default: a fresh one). */
  name?: string;
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
      name: fields.name ?? uniqueId("token"),
      tokenHash: await sha256Hex(token),
      scopes: fields.scopes ?? ["clients:read"],
      sessions: fields.sessions ?? null,
      expiresAt: fields.expiresAt ?? null,
      revokedAt: fields.revokedAt ?? null,
    });
  return token;
}

/** Sends a request to the test's Worker, as a caller would, and waits for the work it started. */
export function request(path: string, init: RequestInit = {}): Promise<Response> {
  return worker().fetch(path, init);
}

/** The path and headers of `GET /api/clients/view?chatId=…` with a bearer token. */
export function lookupRequest(chatId: string, token: string, headers: Record<string, string> = {}) {
  return [
    `/api/clients/view?chatId=${encodeURIComponent(chatId)}`,
    { headers: { Authorization: `Bearer ${token}`, ...headers } },
  ] as const;
}

/** `GET /api/clients/view?chatId=…` with a bearer token. */
export function lookup(chatId: string, token: string, headers: Record<string, string> = {}) {
  return request(...lookupRequest(chatId, token, headers));
}

/** The path and options of a write with a JSON body (a string body is sent as is). */
export function writeRequest(method: "PUT" | "DELETE", path: string, token: string, body?: unknown) {
  return [
    path,
    {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
    },
  ] as const;
}

/** A write request with a JSON body (a string body is sent as is). */
export function write(method: "PUT" | "DELETE", path: string, token: string, body?: unknown) {
  return request(...writeRequest(method, path, token, body));
}

/** The cache tier a lookup's `Server-Timing` names. */
export function tierOf(response: Response): string | undefined {
  return /tier;desc="(\w+)"/.exec(response.headers.get("Server-Timing") ?? "")?.[1];
}

/** What `run` answered, and the log lines written through console while it ran, as text. */
export async function captureLogs<T>(run: () => Promise<T>): Promise<{ result: T; logs: string }> {
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

/** What a broken statement does instead of running: it throws, or hangs ({@link stall}). */
type StatementBehaviour = () => Promise<never>;

type Prepare = (sql: string) => D1PreparedStatement;

/**
 * Watches D1 through every door the app may use (`prepare`, `batch`, `withSession`): returns
 * the SQL of each statement prepared from now on. `breakOn` makes statements that mention the
 * table answer as `behaviour` does (throw, hang) instead of running.
 */
export function watchD1(breakOn?: {
  table: string;
  behaviour: StatementBehaviour;
  /** How many statements to break; every one when absent. */
  times?: number;
}): string[] {
  const prepared: string[] = [];
  let toBreak = breakOn?.times ?? Number.POSITIVE_INFINITY;
  const brokenStatements = new WeakSet<object>();
  const prepareOn = (original: Prepare): Prepare => {
    return (sql) => {
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
  const batchOn = (original: D1Database["batch"]) => {
    return <T>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> =>
      statements.some((statement) => brokenStatements.has(statement))
        ? (breakOn?.behaviour() ?? original<T>(statements))
        : original<T>(statements);
  };
  // The originals before the spies replace them: a spy built on itself would call itself.
  const prepare = env.DB.prepare.bind(env.DB);
  const batch = env.DB.batch.bind(env.DB);
  vi.spyOn(env.DB, "prepare").mockImplementation(prepareOn(prepare));
  vi.spyOn(env.DB, "batch").mockImplementation(batchOn(batch));
  const withSession = env.DB.withSession.bind(env.DB);
  vi.spyOn(env.DB, "withSession").mockImplementation((constraint) => {
    const session = withSession(constraint);
    return {
      prepare: prepareOn(session.prepare.bind(session)),
      batch: batchOn(session.batch.bind(session)),
      getBookmark: session.getBookmark.bind(session),
    } as D1DatabaseSession;
  });
  return prepared;
}

/**
 * Makes the next `times` statements that mention `table` hang until the test ends; `reached`
 * resolves when the first of them is run: the barrier after which a deadline can be stepped past.
 */
export function hangD1(table: string, times = Number.POSITIVE_INFINITY): { reached: Promise<void> } {
  const first = gate();
  watchD1({
    table,
    times,
    behaviour: () => {
      first.release();
      return stall();
    },
  });
  return { reached: first.opened };
}

/**
 * Holds the answer of the next D1 batch (a multi-row write): it runs at once, but its result
 * comes back only on `release()` (or when the test ends). `reached` resolves when it has run.
 */
export function holdNextBatch(): { reached: Promise<void>; release(): void } {
  const reached = gate();
  const held = gate();
  const withSession = env.DB.withSession.bind(env.DB);
  const spy = vi.spyOn(env.DB, "withSession").mockImplementation((constraint) => {
    const session = withSession(constraint);
    return {
      prepare: session.prepare.bind(session),
      batch: async <T>(statements: D1PreparedStatement[]) => {
        spy.mockRestore();
        const results = await session.batch<T>(statements);
        reached.release();
        await held.opened;
        return results;
      },
      getBookmark: session.getBookmark.bind(session),
    } as D1DatabaseSession;
  });
  return { reached: reached.opened, release: held.release };
}

/**
 * Holds the answer of the next D1 statement that `matches`: it runs at once, but its result comes
 * back only on `release()` (or when the test ends). `reached` resolves when it has run.
 */
export function holdNextStatement(matches: (sql: string) => boolean): {
  reached: Promise<void>;
  release(): void;
} {
  const reached = gate();
  const held = gate();
  const withSession = env.DB.withSession.bind(env.DB);
  const spy = vi.spyOn(env.DB, "withSession").mockImplementation((constraint) => {
    const session = withSession(constraint);
    const hold = (statement: D1PreparedStatement): D1PreparedStatement =>
      new Proxy(statement, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== "function") return value;
          if (property === "bind") return (...args: unknown[]) => hold(value.apply(target, args));
          return async (...args: unknown[]) => {
            const result = await value.apply(target, args);
            reached.release();
            await held.opened;
            return result;
          };
        },
      });
    return {
      prepare: (sql: string) => {
        const statement = session.prepare(sql);
        if (!matches(sql)) return statement;
        spy.mockRestore();
        return hold(statement);
      },
      batch: session.batch.bind(session),
      getBookmark: session.getBookmark.bind(session),
    } as D1DatabaseSession;
  });
  return { reached: reached.opened, release: held.release };
}

/** Makes every KV `method` call hang until the test ends; `reached` resolves at the first. */
export function hangKv(method: "get" | "put" | "delete"): { reached: Promise<void> } {
  const first = gate();
  const hang = () => {
    first.release();
    return stall();
  };
  vi.spyOn(env.CACHE, method).mockImplementation(hang as never);
  return { reached: first.opened };
}
