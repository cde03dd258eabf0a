/**
 * The status writes this instance has seen, per session: a sequence number and the D1 bookmark
 * after the write. A load remembers the sequence it started at and stores its answer only if no
 * write to that session came since; a load after a write reads D1 at least as new as that write.
 */

import type { Clock } from "../../lib/clock";
import { jsonSize, MemoryCache } from "../memory-cache";
import type { WriteLogPolicy } from "../policy";

interface LastWrite {
  sequence: number;
  bookmark: string | null;
}

export class StatusWrites {
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

  /** Records a write of `sessionId`; answers its sequence. */
  record(sessionId: string, bookmark: string | null): number {
    const sequence = ++this.#sequence;
    this.#last.set(sessionId, { sequence, bookmark }, this.#rememberMs);
    return sequence;
  }

  /** Whether a write of `sessionId` came after `sequence`. */
  writtenSince(sessionId: string, sequence: number): boolean {
    return (this.#last.get(sessionId)?.sequence ?? 0) > sequence;
  }

  /** The bookmark of the latest write seen here of any of `sessionIds`, to read at least that new. */
  bookmarkFor(sessionIds: readonly string[]): string | null {
    let latest: LastWrite | undefined;
    for (const sessionId of sessionIds) {
      const last = this.#last.get(sessionId);
      if (last !== undefined && (latest === undefined || last.sequence > latest.sequence)) latest = last;
    }
    return latest?.bookmark ?? null;
  }
}
