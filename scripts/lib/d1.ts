/**
 * The project's D1 database (binding `DB`) for the scripts, opened once per command.
 *
 * Locally it is wrangler's platform proxy (`getPlatformProxy`): the same files `wrangler dev`
 * serves, opened in this process by one workerd, instead of one wrangler process (and one
 * workerd) per statement. Migrations are applied by `wrangler d1 migrations apply`, and only
 * when one is pending. Remotely every query is a `wrangler d1 execute --remote`.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { withStateLock } from "./state-lock.ts";
import { applyMigrations, type D1Target, executeSqlBatch } from "./wrangler.ts";
import {
  CONFIG_PATH,
  type D1DatabaseConfig,
  describePlaceholders,
  PROJECT_ROOT,
  placeholderIds,
  readWranglerConfig,
} from "./wrangler-config.ts";

const BINDING = "DB";

/** How long the local runtime may take to open the database before a command gives up. */
const OPEN_TIMEOUT_MS = 60_000;

export type Row = Record<string, unknown>;

/** The local KV namespace of the lookup cache (binding `CACHE`), as far as the scripts use it. */
export interface LocalKv {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** An open database: close it when done, or the local workerd keeps the process alive. */
export interface D1Connection {
  /** Runs one SQL statement, or several as one atomic batch, and answers the rows of the last. */
  query(sql: string): Promise<Row[]>;
  /** Runs the statements (one each, none split) as one atomic batch; answers the rows of each. */
  batch(statements: readonly string[]): Promise<Row[][]>;
  /** The local lookup cache, opened by the same workerd; remote KV is wrangler's (`kv bulk`). */
  readonly kv: LocalKv | undefined;
  /** True when this open ran `wrangler d1 migrations apply` (a new or outdated local database). */
  readonly migrated: boolean;
  close(): Promise<void>;
}

/** The local state directory, as `wrangler dev` picks it: `--persist-to`, or `.wrangler/state`. */
export function localStateDir(persistTo?: string): string {
  return persistTo ? resolve(persistTo) : join(PROJECT_ROOT, ".wrangler", "state");
}

/** Opens the local database of `target` (in this process), or the remote one with `remote`. */
export function openD1(target: D1Target): Promise<D1Connection> {
  return target.remote ? openRemote(target) : openLocal(target);
}

async function openRemote(target: D1Target): Promise<D1Connection> {
  // A placeholder id would only fail at Cloudflare's API, after a login: say which field, now.
  const placeholders = placeholderIds(await readWranglerConfig(target.env), target.env).filter(
    (placeholder) => placeholder.kind === "d1" && placeholder.binding === BINDING,
  );
  if (placeholders.length > 0) {
    throw new Error(
      `wrangler.toml has no real D1 database id for ${target.env ? `--env ${target.env}` : "the top level"}:\n${describePlaceholders(placeholders)}`,
    );
  }
  return {
    migrated: false,
    query: async (sql: string) => executeSqlBatch(target, sql).at(-1) ?? [],
    batch: async (statements) => executeSqlBatch(target, statements.join(";\n")),
    kv: undefined,
    close: async () => {},
  };
}

// What the scripts use of the proxy's D1 binding (the Workers types are not in the scripts' scope).
interface Statement {
  all(): Promise<{ results: Row[] }>;
}
interface LocalD1 {
  prepare(sql: string): Statement;
  batch(statements: Statement[]): Promise<{ results: Row[] }[]>;
}

async function openLocal(target: D1Target): Promise<D1Connection> {
  const wrangler = await import("wrangler");
  const config = await readWranglerConfig(target.env);
  const database = config.d1_databases.find((entry) => entry.binding === BINDING);
  if (database === undefined) throw new Error(`wrangler.toml has no D1 binding named ${BINDING}`);

  // wrangler dev keeps its local data in the v3 folder of its state directory.
  const persistPath = join(localStateDir(target.persistTo), "v3");
  const open = async () => {
    // The scripts never read `request.cf`: the proxy need not fetch it from the internet. Only
    // for this call, so that a `wrangler dev` started later by this process behaves as usual.
    const cfFetch = process.env.CLOUDFLARE_CF_FETCH_ENABLED;
    process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
    let timer: NodeJS.Timeout | undefined;
    // The local runtime never comes up when another process holds the database's lock while it
    // starts (a `wrangler dev` setting up the same state): say so rather than wait forever.
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the local D1 in ${persistPath} did not open within ${OPEN_TIMEOUT_MS / 1000} s: another wrangler process may be setting it up; try again`,
            ),
          ),
        OPEN_TIMEOUT_MS,
      );
    });
    try {
      const proxy = wrangler.getPlatformProxy<Record<typeof BINDING, LocalD1> & { CACHE?: LocalKv }>({
        configPath: CONFIG_PATH,
        environment: target.env,
        persist: { path: persistPath },
        remoteBindings: false,
      });
      // Should it come up after all, it must not keep the process alive.
      stuck.catch(() => proxy.then((late) => late.dispose()).catch(() => {}));
      return await Promise.race([proxy, stuck]);
    } finally {
      clearTimeout(timer);
      if (cfFetch === undefined) delete process.env.CLOUDFLARE_CF_FETCH_ENABLED;
    }
  };
  const { proxy, migrated } = await withStateLock(localStateDir(target.persistTo), async () => {
    // No local D1 at all yet: every migration is pending, no need to open it to ask.
    const fresh = !existsSync(join(persistPath, "d1"));
    if (fresh) applyMigrations(target);
    const opened = await open();
    if (fresh || !(await hasPendingMigrations(opened.env[BINDING], database))) {
      return { proxy: opened, migrated: fresh };
    }
    // wrangler applies them (and records them) its own way; the proxy lets go of the files first.
    await opened.dispose();
    applyMigrations(target);
    return { proxy: await open(), migrated: true };
  });
  const db = proxy.env[BINDING];
  return {
    migrated,
    async query(sql) {
      const statements = wrangler.unstable_splitSqlQuery(sql).map((statement) => db.prepare(statement));
      const [only] = statements;
      if (statements.length === 1 && only !== undefined) return (await only.all()).results;
      return (await db.batch(statements)).at(-1)?.results ?? [];
    },
    async batch(statements) {
      const results = await db.batch(statements.map((statement) => db.prepare(statement)));
      return results.map((result) => result.results);
    },
    kv: proxy.env.CACHE,
    close: () => proxy.dispose(),
  };
}

/**
 * Whether a migration file has no row in the migrations table, the way wrangler tells. When in
 * doubt (no table yet, a custom `migrations_pattern`), yes: wrangler then decides.
 */
async function hasPendingMigrations(db: LocalD1, database: D1DatabaseConfig): Promise<boolean> {
  if (database.migrations_pattern !== undefined) return true;
  const files = readdirSync(resolve(PROJECT_ROOT, database.migrations_dir ?? "migrations")).filter((name) =>
    name.endsWith(".sql"),
  );
  if (files.length === 0) return false;
  const table = (database.migrations_table ?? "d1_migrations").replaceAll('"', '""');
  try {
    const { results } = await db.prepare(`SELECT name FROM "${table}"`).all();
    const applied = new Set(results.map((row) => row.name));
    return files.some((name) => !applied.has(name));
  } catch {
    return true;
  }
}

/** A local request that never got an answer: workerd closed the connection it went out on. */
function isDroppedConnection(error: unknown): boolean {
  const code = error instanceof Error ? (error.cause as { code?: unknown } | undefined)?.code : undefined;
  return error instanceof TypeError && error.message === "fetch failed" && code === "UND_ERR_SOCKET";
}

/**
 * `db` with a local batch sent once more when its connection to workerd dropped before an
 * answer (rare; seen on long imports). Only for callers whose every batch is idempotent.
 */
export function retryingDroppedConnections(db: D1Connection): D1Connection {
  return {
    get migrated() {
      return db.migrated;
    },
    get kv() {
      return db.kv;
    },
    query: (sql) => db.query(sql),
    async batch(statements) {
      try {
        return await db.batch(statements);
      } catch (error) {
        if (!isDroppedConnection(error)) throw error;
        return db.batch(statements);
      }
    },
    close: () => db.close(),
  };
}
