/**
 * The lookup's cache: one object per Worker instance, whose whole interface is a read
 * ({@link LookupCache.get}) and a write ({@link LookupCache.commit}).
 *
 * A read is answered by the nearest tier that knows each chat: this instance's memory (every
 * answer, found or not, for `MEMORY_CACHE_TTL_MS`), this location's KV (found answers), then one
 * D1 query for all that is left. Concurrent misses of a chat share one load. A fresh read
 * (no-cache) skips both tiers; a partitioned read (a caller who must not learn what others
 * asked) uses a memory of its own and D1 only.
 *
 * A write runs in D1 and keeps every tier true to what it changed, whenever it commits:
 * 1. at once, this instance remembers each changed chat's new answer; loads already running for
 *    those chats will not store their older answer, and later loads here read D1 at least as new
 *    as the write (its bookmark);
 * 2. before the write answers (within its deadline), this location's KV entries are rewritten
 *    or removed; a slow or failing KV is logged, never a failed write;
 * 3. a moment later (the settle pass), the chats are read again from the primary and memory
 *    and KV set to that: this repairs a KV write refused by KV's one-write-per-key-per-second
 *    limit, an older answer another instance stored meanwhile, and replies of two writes that
 *    crossed.
 */

import {
  combineFrames,
  type Database,
  openFramedSession,
  openPrimarySession,
  openReadSession,
} from "../../db/client";
import { withTransientRetries } from "../../db/retry";
import type { EventOutbox } from "../../delivery/outbox";
import type { PendingEvent } from "../../delivery/outbox.repository";
import type { ChatChange, ChatLookup, ClientSession } from "../../domain/chat-lookup";
import type { Clock } from "../../lib/clock";
import { beforeDeadline, OVER_BUDGET, withinBudget } from "../../lib/deadline";
import { describeError, logEvent } from "../../lib/log";
import type { RequestScope, WriteScope } from "../../lib/request-scope";
import { KvAdmission } from "../kv-admission";
import { KvTier } from "../kv-tier";
import { jsonSize, MemoryCache } from "../memory-cache";
import { NextRead } from "../next-read";
import type { LookupCachePolicy } from "../policy";
import { SingleFlight } from "../single-flight";
import { findSessionsByChatIds, readChangedChats } from "./lookup.repository";
import { kvEntries, LOOKUP_KV } from "./lookup-kv";
import { WriteLog } from "./write-log";

/** Which tier answered a read, as named in the `Server-Timing` header. */
export type CacheTier = "memory" | "kv" | "d1";

const TIER_DEPTH: Record<CacheTier, number> = { memory: 0, kv: 1, d1: 2 };

/** How a read may be answered. */
export interface ReadOptions {
  /** Skip every cache tier and read D1 (`Cache-Control: no-cache`); the caches are refreshed. */
  fresh: boolean;
  /** Read from a D1 replica at least as new as this bookmark (`x-d1-bookmark`). */
  bookmark: string | null;
  /**
   * For a caller who must not learn what others asked for (a session-limited token): its reads
   * go through a memory of its own and D1, never the shared memory or KV, so that how fast an
   * answer comes depends only on what this partition asked before.
   */
  partition?: string | undefined;
}

/** What a read found. */
export interface CacheRead {
  /** The answer for each chat asked. */
  answers: Map<string, ChatLookup>;
  /** The deepest tier the read needed. */
  tier: CacheTier;
  /** The D1 bookmark after the query, when D1 was read. */
  bookmark: string | null;
}

/**
 * A D1 write. Which chats it changed is read from the database in each of its batches (see
 * {@link LookupCache.commit}); a write that runs a statement outside a batch costs one more
 * round trip to read them.
 */
export interface Write<T> {
  /** Runs the write on the primary and answers its result. */
  run(db: Database): Promise<T>;
  /** Whether it may run again after a transient D1 error: only an idempotent write may. */
  idempotent: boolean;
}

export interface LookupCacheOptions {
  db: D1Database;
  kv: KVNamespace;
  policy: LookupCachePolicy;
  clock: Clock;
  /** A running load older than this is not joined (`LOOKUP_TIMEOUT_MS`). */
  maxLoadMs: number;
  /** Names a write's actor in its batches, and sends its events to the queue once it commits. */
  outbox: EventOutbox;
}

interface Loaded {
  lookup: ChatLookup;
  tier: CacheTier;
  bookmark: string | null;
}

/** What a partition remembers of a chat, and the write sequence it was read at. */
interface PartitionEntry {
  lookup: ChatLookup;
  sequence: number;
}

export class LookupCache {
  readonly #db: D1Database;
  readonly #policy: LookupCachePolicy;
  readonly #clock: Clock;
  readonly #maxLoadMs: number;
  readonly #outbox: EventOutbox;
  readonly #kv: KvTier<ClientSession>;
  readonly #writes: WriteLog;
  readonly #admission: KvAdmission;
  readonly #loads: SingleFlight<Loaded>;
  readonly #freshReads = new NextRead<CacheRead>();
  // Keyed by canonical chat id: this tier never leaves the instance and is never logged.
  readonly #memory: MemoryCache<ChatLookup>;
  // Keyed by partition and chat id; an entry holds only until a write to its chat (the write log).
  readonly #partitions: MemoryCache<PartitionEntry>;

  constructor(options: LookupCacheOptions) {
    const { policy, clock } = options;
    this.#db = options.db;
    this.#policy = policy;
    this.#clock = clock;
    this.#maxLoadMs = options.maxLoadMs;
    this.#outbox = options.outbox;
    this.#kv = new KvTier(options.kv, policy.kv, clock, LOOKUP_KV);
    this.#writes = new WriteLog(policy.writeLog, clock);
    this.#admission = new KvAdmission(policy.kv.admission, clock);
    this.#loads = new SingleFlight(clock, options.maxLoadMs);
    this.#memory = new MemoryCache({ ...policy.memory, sizeOf: jsonSize, clock });
    this.#partitions = new MemoryCache({ ...policy.partitions, sizeOf: jsonSize, clock });
  }

  /**
   * What the lookups of `chatIds` (canonical) answer, from the nearest tier that knows each.
   *
   * @throws {ApiError} 408 past the request's deadline.
   */
  async get(request: RequestScope, chatIds: readonly string[], options: ReadOptions): Promise<CacheRead> {
    const unique = [...new Set(chatIds)];
    if (options.partition !== undefined) return this.#readPartition(request, unique, options);
    if (options.fresh) {
      // Concurrent no-cache reads of the same ids share the next read that starts after them.
      const key = [...unique].sort().join(" ") + (options.bookmark === null ? "" : ` ${options.bookmark}`);
      const read = this.#freshReads.run(key, () => this.#readFresh(request, unique, options.bookmark));
      return beforeDeadline(read, request.deadline, this.#clock);
    }

    const answers = new Map<string, ChatLookup>();
    const misses = unique.filter((chatId) => {
      const remembered = this.#memory.get(chatId);
      if (remembered !== undefined) answers.set(chatId, remembered);
      return remembered === undefined;
    });
    if (misses.length === 0) return { answers, tier: "memory", bookmark: null };

    // The shared load ends by the deadline of the request that started it; each caller waits
    // for it under its own.
    const load = this.#loads.runMany(misses, (ids) =>
      beforeDeadline(this.#load(request, ids), request.deadline, this.#clock),
    );
    const loaded = await beforeDeadline(load, request.deadline, this.#clock);
    let tier: CacheTier = "memory";
    let bookmark: string | null = null;
    for (const [chatId, value] of loaded) {
      answers.set(chatId, value.lookup);
      if (TIER_DEPTH[value.tier] > TIER_DEPTH[tier]) tier = value.tier;
      bookmark ??= value.bookmark;
    }
    return { answers, tier, bookmark };
  }

  /**
   * Runs `write` in D1 and keeps every tier true to what it changed (see the module comment),
   * also when it commits after the request's deadline. What it changed is not for the write to
   * say: every batch it runs that writes is framed by statements that name its actor for the
   * triggers that record its events, and end with a read of the chats its statements changed,
   * as triggers recorded them in the same transaction, with their new answers, and of its events
   * some webhook subscription wants, which go to the delivery queue once it commits.
   *
   * @throws {ApiError} 408 when the write has not answered by the request's deadline.
   */
  async commit<T>(request: WriteScope, write: Write<T>): Promise<{ result: T; bookmark: string | null }> {
    let session = openPrimarySession(this.#db);
    const run = async () => {
      const changed = new Map<string, ChatLookup>();
      const pending: PendingEvent[] = [];
      const framed = openFramedSession(
        this.#db,
        combineFrames(
          this.#outbox.frame(request.actor, (events) => pending.push(...events)),
          readChangedChats((changes) => {
            for (const { chatId, lookup } of changes) changed.set(chatId, lookup);
          }),
        ),
      );
      session = framed;
      const result = await write.run(framed.db);
      const changes = [...changed].map(([chatId, lookup]): ChatChange => ({ chatId, lookup }));
      return { result, changes, pending };
    };
    const attempt = withTransientRetries(run, { ...request, clock: this.#clock }, write.idempotent);
    const committed = attempt.then(({ result, changes, pending }) => {
      this.#outbox.sendAfterCommit(request, pending);
      const bookmark = session.bookmark();
      const sequence = this.#writes.record(changes, bookmark);
      for (const { chatId, lookup } of changes) {
        this.#loads.forget(chatId);
        this.#memory.set(chatId, lookup, this.#policy.memory.ttlMs);
      }
      const kvRefresh = this.#kv.write(request, kvEntries(changes), {
        level: "error",
        event: "cache.refresh_failed",
      });
      request.waitUntil(kvRefresh.then(() => this.#settleLater(request, changes, sequence)));
      return { result, bookmark, kvRefresh, chats: changes.length };
    });
    request.waitUntil(committed.catch(() => undefined));

    const { result, bookmark, kvRefresh, chats } = await beforeDeadline(
      committed,
      request.deadline,
      this.#clock,
    );
    const left = Math.max(0, request.deadline - this.#clock.now());
    if ((await withinBudget(kvRefresh, left, this.#clock)) === OVER_BUDGET) {
      logEvent("warn", "cache.refresh_slow", { requestId: request.requestId, chats });
    }
    return { result, bookmark };
  }

  /**
   * A partition's own memory, then D1; the shared tiers are neither read nor written. An entry
   * older than a write here to its chat takes the write's answer from the write log, never from
   * D1: a write to a chat the partition may not see must cost it nothing an unknown chat's
   * lookup does not.
   */
  async #readPartition(request: RequestScope, chatIds: string[], options: ReadOptions): Promise<CacheRead> {
    const partition = options.partition ?? "";
    const keyOf = (chatId: string) => `${partition}\n${chatId}`;
    const answers = new Map<string, ChatLookup>();
    const misses = chatIds.filter((chatId) => {
      const entry = options.fresh ? undefined : this.#partitions.get(keyOf(chatId));
      if (entry === undefined) return true;
      const written = this.#writes.latestSince(chatId, entry.sequence);
      if (written !== undefined) this.#partitions.replace(keyOf(chatId), written);
      answers.set(chatId, written?.lookup ?? entry.lookup);
      return false;
    });
    if (misses.length === 0) return { answers, tier: "memory", bookmark: null };

    const sequence = this.#writes.sequence;
    const read = await beforeDeadline(
      this.#readD1(request, misses, options.bookmark, this.#writes.bookmarkFor(misses)),
      request.deadline,
      this.#clock,
    );
    for (const [chatId, lookup] of read.answers) {
      answers.set(chatId, lookup);
      // A write that came during the read answers newer than the read.
      const entry = this.#writes.latestSince(chatId, sequence) ?? { lookup, sequence };
      this.#partitions.set(keyOf(chatId), entry, this.#policy.partitions.ttlMs);
    }
    return { answers, tier: "d1", bookmark: read.bookmark };
  }

  /** KV, then D1 for what KV lacks; every answer stored unless a write came since. */
  async #load(request: RequestScope, chatIds: string[]): Promise<Map<string, Loaded>> {
    const sequence = this.#writes.sequence;
    const loaded = new Map<string, Loaded>();
    const cached = await this.#kv.read(request, chatIds);
    for (const [chatId, record] of cached) {
      const lookup: ChatLookup = { status: "found", record };
      this.#remember(chatId, lookup, sequence);
      loaded.set(chatId, { lookup, tier: "kv", bookmark: null });
    }
    const rest = chatIds.filter((chatId) => !cached.has(chatId));
    if (rest.length === 0) return loaded;

    const read = await this.#readD1(request, rest, this.#writes.bookmarkFor(rest));
    const toKv: ChatChange[] = [];
    for (const [chatId, lookup] of read.answers) {
      this.#remember(chatId, lookup, sequence);
      loaded.set(chatId, { lookup, tier: "d1", bookmark: read.bookmark });
      const kept = lookup.status === "found" || this.#policy.kv.storesNotFound;
      if (kept && this.#admission.admit(chatId)) toKv.push({ chatId, lookup });
    }
    this.#storeInKv(request, toKv, sequence);
    return loaded;
  }

  /**
   * D1 only (`Cache-Control: no-cache`); memory set to what it read. KV is left alone: a caller
   * may skip the caches at will, so this read must cost no KV write (writes keep KV true).
   */
  async #readFresh(request: RequestScope, chatIds: string[], bookmark: string | null): Promise<CacheRead> {
    const sequence = this.#writes.sequence;
    const read = await beforeDeadline(
      this.#readD1(request, chatIds, bookmark, this.#writes.bookmarkFor(chatIds)),
      request.deadline,
      this.#clock,
    );
    for (const [chatId, lookup] of read.answers) this.#remember(chatId, lookup, sequence);
    return { answers: read.answers, tier: "d1", bookmark: read.bookmark };
  }

  async #readD1(request: RequestScope, chatIds: readonly string[], ...bookmarks: (string | null)[]) {
    const session = openReadSession(this.#db, ...bookmarks);
    const answers = await withTransientRetries(() => findSessionsByChatIds(session.db, chatIds), {
      ...request,
      clock: this.#clock,
    });
    return { answers, bookmark: session.bookmark() };
  }

  /** Keeps what a load read in memory, unless a write to the chat came after the load started. */
  #remember(chatId: string, lookup: ChatLookup, sequence: number): boolean {
    if (this.#writes.writtenSince(chatId, sequence)) return false;
    this.#memory.set(chatId, lookup, this.#policy.memory.ttlMs);
    return true;
  }

  /** Writes what a load read to KV after the answer is sent, but not what a write changed since. */
  #storeInKv(request: RequestScope, changes: ChatChange[], sequence: number): void {
    const current = changes.filter(({ chatId }) => !this.#writes.writtenSince(chatId, sequence));
    this.#kv.writeInBackground(request, kvEntries(current), this.#maxLoadMs);
  }

  async #settleLater(request: RequestScope, changes: readonly ChatChange[], sequence: number): Promise<void> {
    if (changes.length === 0) return;
    await this.#clock.sleep(this.#policy.settleDelayMs);
    try {
      const chatIds = changes.map((change) => change.chatId);
      const answers = await findSessionsByChatIds(openPrimarySession(this.#db).db, chatIds);
      const settled: ChatChange[] = [];
      for (const [chatId, lookup] of answers) {
        // A later write here has its own settle pass.
        if (this.#remember(chatId, lookup, sequence)) settled.push({ chatId, lookup });
      }
      await this.#kv.write(request, kvEntries(settled), { level: "error", event: "cache.refresh_failed" });
    } catch (error) {
      logEvent("error", "cache.settle_failed", { requestId: request.requestId, error: describeError(error) });
    }
  }
}
