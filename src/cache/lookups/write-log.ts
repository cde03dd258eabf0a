/**
 * The writes this instance has seen, per chat: a sequence number, the D1 bookmark after the
 * write and what the chat answers since. A load remembers the sequence it started at and stores its answer only if no write to
 * that chat came since, so a lookup that read D1 just before a write never puts the old answer
 * back; and a load after a write reads D1 at least as new as that write, even from a replica.
 */

import type { ChatChange, ChatLookup } from "../../domain/chat-lookup";
import type { Clock } from "../../lib/clock";
import { jsonSize, MemoryCache } from "../memory-cache";
import type { WriteLogPolicy } from "../policy";

interface LastWrite {
  sequence: number;
  bookmark: string | null;
  lookup: ChatLookup;
}

export class WriteLog {
  #sequence = 0;
  readonly #last: MemoryCache<LastWrite>;
  readonly #rememberMs: number;

  constructor(policy: WriteLogPolicy, clock: Clock) {
    this.#last = new MemoryCache({ ...policy, sizeOf: jsonSize, clock });
    this.#rememberMs = policy.rememberMs;
  }

  /** The sequence a load starting now starts at. */
  get sequence(): number {
    return this.#sequence;
  }

  /** Records a write and what it changed; answers its sequence. */
  record(changes: readonly ChatChange[], bookmark: string | null): number {
    const sequence = ++this.#sequence;
    for (const { chatId, lookup } of changes) {
      this.#last.set(chatId, { sequence, bookmark, lookup }, this.#rememberMs);
    }
    return sequence;
  }

  /** The latest write to `chatId` after `sequence`, with what the chat answers since it. */
  latestSince(chatId: string, sequence: number): { sequence: number; lookup: ChatLookup } | undefined {
    const last = this.#last.get(chatId);
    return last !== undefined && last.sequence > sequence
      ? { sequence: last.sequence, lookup: last.lookup }
      : undefined;
  }

  /** Whether a write to `chatId` came after `sequence`. */
  writtenSince(chatId: string, sequence: number): boolean {
    return (this.#last.get(chatId)?.sequence ?? 0) > sequence;
  }

  /** The bookmark of the latest write seen here to any of `chatIds`, to read at least that new. */
  bookmarkFor(chatIds: readonly string[]): string | null {
    let latest: LastWrite | undefined;
    for (const chatId of chatIds) {
      const last = this.#last.get(chatId);
      if (last !== undefined && (latest === undefined || last.sequence > latest.sequence)) latest = last;
    }
    return latest?.bookmark ?? null;
  }
}
