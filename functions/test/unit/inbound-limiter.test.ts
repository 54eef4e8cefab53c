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
});
