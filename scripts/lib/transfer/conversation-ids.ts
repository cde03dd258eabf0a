/**
 * Primary keys for the conversations an import creates: UUIDs of version 7 (RFC 9562), in
 * increasing order within a run (a counter after the millisecond timestamp, random bits last).
 * Created in chat id order, new rows then land at the end of both indexes instead of all over
 * them, which makes a large import several times faster.
 */
import { randomBytes } from "node:crypto";

const COUNTER_LIMIT = 2 ** 36;
const RANDOM_POOL = 1 << 16;

/** A generator of increasing version-7 UUIDs, such as `0193b7e4-51c0-7000-8000-000a3f9c2e41`. */
export function conversationIds(now = Date.now()): () => string {
  const time = now.toString(16).padStart(12, "0");
  const prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  let counter = 0;
  let pool = "";
  let at = 0;
  return () => {
    if (counter >= COUNTER_LIMIT) throw new Error("too many conversations for one import");
    const hex = counter.toString(16).padStart(9, "0");
    counter++;
    if (at + 9 > pool.length) {
      pool = randomBytes(RANDOM_POOL).toString("hex");
      at = 0;
    }
    const random = pool.slice(at, at + 9);
    at += 9;
    // 36 counter bits (three hex digits each side of the variant and after it), 36 random bits.
    return `${prefix}${hex.slice(0, 3)}-8${hex.slice(3, 6)}-${hex.slice(6, 9)}${random}`;
  };
}
