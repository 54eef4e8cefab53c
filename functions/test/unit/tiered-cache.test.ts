import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

describe("TieredCache invalidations", () => {
  it("writes again a tombstone Redis did not take, before the trigger returns", async () => {
    let requests = 0;
    // An Upstash-style endpoint (the client pipelines) that fails its first answer, then takes every write.
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        requests += 1;
        const ok = req.url === "/pipeline" ? [{ result: "OK" }] : { result: "OK" };
        res.writeHead(requests === 1 ? 500 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(requests === 1 ? { error: "ERR blip" } : ok));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cache = new TieredCache({ url: `http://127.0.0.1:${port}`, token: "t", encryptionKey: "k".repeat(32) });
      await cache.delete(["vendor:v1"]);
      expect(requests).toBe(2);
      expect(cache.pendingInvalidationCount).toBe(0);
    } finally {
      server.close();
    }
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
