/**
 * A `D1Database` that counts what the app does with it: every statement executed (`prepare` →
 * `bind` → `all`/`raw`/`first`/`run`, each statement of a `batch`, and the same through
 * `withSession(…)`), the rows its results say were read and written, and an optional delay
 * before each round trip (the latency-simulation mode).
 *
 * `raw()` and `first()` return no `meta`, and Drizzle reads through `raw()`; for those, a few
 * executions of each SQL text are kept and run again with `.all()` when the counters are read
 * (after the measured run, so they load nothing measured), and their mean rows read stands for
 * every execution of that text.
 */
import { attribute, currentCounters } from "./tally.ts";

/** A round trip's simulated latency; nothing at all when it is 0. */
export function delay(ms: number): Promise<void> | undefined {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined;
}

interface StatementInfo {
  real: D1PreparedStatement;
  sql: string;
  params: unknown[];
  /** Whether it reads or writes `api_tokens` (the token check), counted apart as well. */
  token: boolean;
}

/** Our statement wrappers → the real statements, which `batch` must be given. */
const statementInfo = new WeakMap<object, StatementInfo>();

// Enough samples per SQL text for a steady mean; few enough to run again in a few ms.
const SAMPLES_PER_SQL = 16;

/** The `.raw()`/`.first()` executions of one SQL text, and a uniform sample of their parameters. */
interface RawTally {
  executions: number;
  samples: unknown[][];
}

let rawTallies = new Map<string, RawTally>();

/** Forgets the samples, with a reset of the counters. */
export function forgetRawSamples(): void {
  rawTallies = new Map();
}

function isRead(sql: string): boolean {
  return /^\s*(select|with)\b/i.test(sql);
}

/** Keeps a uniform sample of a metaless execution's parameters (reservoir sampling). */
function sampleRaw(info: StatementInfo): void {
  const raw = currentCounters().d1.raw;
  if (!isRead(info.sql)) {
    raw.unmeasuredWrites += 1;
    return;
  }
  raw.statements += 1;
  let tally = rawTallies.get(info.sql);
  if (tally === undefined) {
    tally = { executions: 0, samples: [] };
    rawTallies.set(info.sql, tally);
  }
  tally.executions += 1;
  if (tally.samples.length < SAMPLES_PER_SQL) tally.samples.push(info.params);
  else {
    const slot = Math.floor(Math.random() * tally.executions);
    if (slot < SAMPLES_PER_SQL) tally.samples[slot] = info.params;
  }
}

/**
 * Runs the sampled metaless reads again with `.all()` on `db` (the real binding, uncounted) and
 * writes the estimate of their rows read into the current counters.
 */
export async function estimateRawRows(db: D1Database): Promise<void> {
  const raw = currentCounters().d1.raw;
  let rowsRead = 0;
  let sampled = 0;
  for (const [sql, tally] of rawTallies) {
    let rows = 0;
    for (const params of tally.samples) {
      const result = await db
        .prepare(sql)
        .bind(...params)
        .all();
      rows += result.meta.rows_read;
    }
    sampled += tally.samples.length;
    if (tally.samples.length > 0) rowsRead += (rows / tally.samples.length) * tally.executions;
  }
  raw.sampled = sampled;
  raw.rowsRead = Math.round(rowsRead);
}

function countStatement(token: boolean): void {
  const counters = currentCounters();
  counters.d1.statements += 1;
  attribute("d1Statements");
  if (token) {
    counters.d1.tokenStatements += 1;
    attribute("tokenStatements");
  }
}

function countMeta(result: { meta?: Partial<D1Meta> } | undefined): void {
  const counters = currentCounters();
  counters.d1.rowsRead += result?.meta?.rows_read ?? 0;
  counters.d1.rowsWritten += result?.meta?.rows_written ?? 0;
}

function countingStatement(info: StatementInfo, rtt: number): D1PreparedStatement {
  const { real } = info;
  const executed = async <T>(work: () => Promise<T>): Promise<T> => {
    countStatement(info.token);
    await delay(rtt);
    return work();
  };
  const withMeta = <T extends { meta?: Partial<D1Meta> }>(result: T): T => {
    countMeta(result);
    return result;
  };
  const metaless = <T>(result: T): T => {
    sampleRaw(info);
    return result;
  };
  const statement = {
    bind: (...values: unknown[]) =>
      countingStatement({ ...info, real: real.bind(...values), params: values }, rtt),
    first: (column?: string) =>
      executed(() => (column === undefined ? real.first() : real.first(column))).then(metaless),
    run: () => executed(() => real.run()).then(withMeta),
    all: () => executed(() => real.all()).then(withMeta),
    raw: (options?: { columnNames?: boolean }) =>
      executed(() => real.raw(options as { columnNames?: false } | undefined)).then(metaless),
  };
  statementInfo.set(statement, info);
  return statement as unknown as D1PreparedStatement;
}

/** What `D1Database` and `D1DatabaseSession` have in common. */
interface D1Queryable {
  prepare(query: string): D1PreparedStatement;
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
}

function countingQueryable(real: D1Queryable, rtt: number) {
  return {
    prepare: (sql: string) =>
      countingStatement({ real: real.prepare(sql), sql, params: [], token: sql.includes("api_tokens") }, rtt),
    batch: async <T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> => {
      const infos = statements.map((statement) => statementInfo.get(statement));
      for (const info of infos) countStatement(info?.token ?? false);
      currentCounters().d1.batches += 1;
      // A batch is one round trip to D1, however many statements it holds.
      await delay(rtt);
      const results = await real.batch<T>(statements.map((statement, i) => infos[i]?.real ?? statement));
      for (const result of results) countMeta(result);
      return results;
    },
  };
}

/** `real`, counted, with `rtt` ms before each round trip. */
export function countingD1(real: D1Database, rtt: number): D1Database {
  const db = {
    ...countingQueryable(real, rtt),
    exec: async (query: string) => {
      currentCounters().d1.execs += 1;
      await delay(rtt);
      return real.exec(query);
    },
    withSession: (constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint) => {
      currentCounters().d1.sessions += 1;
      const session = real.withSession(constraintOrBookmark);
      const counted = {
        ...countingQueryable(session, rtt),
        getBookmark: () => session.getBookmark(),
      };
      return counted as unknown as D1DatabaseSession;
    },
    dump: () => real.dump(),
  };
  return db as unknown as D1Database;
}
