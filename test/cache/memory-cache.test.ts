import { describe, expect, it } from "vitest";
import { jsonSize, MemoryCache } from "../../src/cache/memory-cache";
import { ManualClock } from "../helpers";

function cache(bounds: { maxEntries?: number; maxBytes?: number } = {}, clock = new ManualClock()) {
  return new MemoryCache<string>({
    maxEntries: bounds.maxEntries ?? 100,
    maxBytes: bounds.maxBytes ?? 1_000_000,
    sizeOf: jsonSize,
    clock,
  });
}

describe("MemoryCache", () => {
  it("serves an entry until its TTL has passed", async () => {
    const clock = new ManualClock();
    const memory = cache({}, clock);
    memory.set("a", "1", 1000);
    await clock.advance(999);
    expect(memory.get("a")).toBe("1");
    await clock.advance(1);
    expect(memory.get("a")).toBeUndefined();
    expect(memory.usage).toEqual({ entries: 0, bytes: 0 });
  });

  it("keeps nothing with a TTL of 0", () => {
    const memory = cache();
    memory.set("a", "1", 0);
    expect(memory.get("a")).toBeUndefined();
  });

  it("drops the least recently used entry beyond its entry bound", () => {
    const memory = cache({ maxEntries: 2 });
    memory.set("a", "1", 60_000);
    memory.set("b", "2", 60_000);
    memory.get("a");
    memory.set("c", "3", 60_000);
    expect(memory.get("a")).toBe("1");
    expect(memory.get("b")).toBeUndefined();
    expect(memory.get("c")).toBe("3");
  });

  it("stays within its byte bound, and refuses a value larger than the bound", () => {
    const memory = cache({ maxBytes: 100 });
    for (let i = 0; i < 50; i++) memory.set(`key-${i}`, "value", 60_000);
    expect(memory.usage.bytes).toBeLessThanOrEqual(100);
    expect(memory.get("key-49")).toBe("value");
    memory.set("huge", "x".repeat(200), 60_000);
    expect(memory.get("huge")).toBeUndefined();
  });

  it("forgets a deleted entry and its bytes", () => {
    const memory = cache();
    memory.set("a", "1", 60_000);
    memory.delete("a");
    expect(memory.get("a")).toBeUndefined();
    expect(memory.usage).toEqual({ entries: 0, bytes: 0 });
  });
});
