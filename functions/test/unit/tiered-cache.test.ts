import { describe, expect, it } from "vitest";
import { TieredCache } from "../../src/shared/tiered-cache";
import { RecheckBudget } from "../../src/webhooks/vendor-gate";

describe("TieredCache memory (no Redis)", () => {
  it("holds a bounded number of entries, forgetting the one written longest ago", async () => {
    const cache = new TieredCache(undefined, "test:", 100);
    for (let i = 0; i < 1_000; i++) await cache.set(`unknown:${i}`, { config: null });
    expect(cache.memorySize).toBe(100);
    expect(await cache.get("unknown:0")).toBeUndefined();
    expect(await cache.get("unknown:999")).toEqual({ config: null });
  });

  it("keeps an entry no longer than the TTL it was written with", async () => {
    const cache = new TieredCache(undefined);
    await cache.set("short", 1, { ttlSeconds: 0.05 });
    await cache.set("long", 2);
    expect(await cache.get("short")).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await cache.get("short")).toBeUndefined();
    expect(await cache.get("long")).toBe(2);
  });
});

describe("RecheckBudget", () => {
  it("allows a burst of re-reads, then one per interval, per vendor", () => {
    const budget = new RecheckBudget(20_000, 3);
    const taken = (vendor: string, at: number) => budget.take(vendor, at);
    expect([0, 1, 2, 3, 4].map((i) => taken("v1", i))).toEqual([true, true, true, false, false]);
    expect(taken("v2", 5)).toBe(true);
    expect(taken("v1", 19_000)).toBe(false);
    expect(taken("v1", 20_010)).toBe(true);
    expect(taken("v1", 20_020)).toBe(false);
    // Over a minute of flood after the burst: one more every 20 s.
    let allowed = 0;
    for (let at = 20_100; at < 80_100; at += 100) if (taken("v1", at)) allowed += 1;
    expect(allowed).toBe(3);
  });
});
