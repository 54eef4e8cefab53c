import { describe, expect, it } from "vitest";
import { InboundLimiter } from "../../src/shared/inbound-limiter";

describe("inbound limiter without Redis", () => {
  it("counts in memory: the limit per customer, then one notice per window", async () => {
    const limiter = new InboundLimiter(undefined);
    const limits = { perCustomerPerMinute: 2, perVendorPerMinute: 100 };
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.check("v", "+221770000001", limits));
    expect(verdicts.map((v) => (v.allowed ? "ok" : v.notify ? "notice" : "quiet"))).toEqual([
      "ok",
      "ok",
      "notice",
      "quiet",
      "quiet",
    ]);
    expect((await limiter.check("v", "+221770000002", limits)).allowed).toBe(true);
  });

  it("counts a message once however often it is delivered (a redelivered trigger spends no allowance)", async () => {
    const limiter = new InboundLimiter(undefined);
    const limits = { perCustomerPerMinute: 2, perVendorPerMinute: 100 };
    // Two messages, each delivered five times (runs that died and were run again, duplicates): both allowed.
    for (let i = 0; i < 5; i++) {
      expect((await limiter.check("v", "+221770000001", limits, "in_a")).allowed).toBe(true);
      expect((await limiter.check("v", "+221770000001", limits, "in_b")).allowed).toBe(true);
    }
    // A third message is the buyer's third in the minute: refused.
    expect((await limiter.check("v", "+221770000001", limits, "in_c")).allowed).toBe(false);
  });

  it("opens a new window a minute later, by the clock it is given (no waiting)", async () => {
    let now = Date.UTC(2026, 11, 7, 12, 0, 5);
    const limiter = new InboundLimiter(undefined, undefined, () => now);
    const limits = { perCustomerPerMinute: 2, perVendorPerMinute: 100 };
    const allowed = async () => (await limiter.check("v", "+221770000001", limits)).allowed;
    expect([await allowed(), await allowed(), await allowed()]).toEqual([true, true, false]);
    now += 59_000;
    expect(await allowed()).toBe(false);
    now += 1_000;
    expect([await allowed(), await allowed(), await allowed()]).toEqual([true, true, false]);
  });
});
