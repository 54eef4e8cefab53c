import { afterEach, describe, expect, it, vi } from "vitest";
import { InboundLimiter } from "../../src/shared/inbound-limiter";
import { testRedisConfig } from "../support/in-process";

/**
 * The limiter on npm test's Redis (through its Upstash-compatible bridge), with the time set by the
 * test: @upstash/ratelimit reads `Date.now`, so the runner's clock places each check in its window.
 * Nothing here waits for the wall clock.
 */
const redis = testRedisConfig();
if (!redis) throw new Error("this test needs npm test's Redis (UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN)");

afterEach(() => {
  vi.useRealTimers();
});

function at(time: number): void {
  vi.setSystemTime(time);
}

describe("inbound limiter on Redis, its windows by a set clock", () => {
  const limits = { perCustomerPerMinute: 3, perVendorPerMinute: 100 };
  const minute = Date.UTC(2026, 11, 7, 12, 0, 0);

  it("within one minute: the limit, then 'slow down' once", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const vendor = `v_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const limiter = new InboundLimiter(redis, "test-secret");
    const verdicts: string[] = [];
    for (let i = 0; i < 6; i++) {
      at(minute + 50_000 + i * 100);
      const verdict = await limiter.check(vendor, "+221770000001", limits, `in_${i}`);
      verdicts.push(verdict.allowed ? "ok" : verdict.notify ? "notice" : "quiet");
    }
    expect(verdicts).toEqual(["ok", "ok", "ok", "notice", "quiet", "quiet"]);
  });

  it("a flood straddling a minute boundary gets at most one message more, and the next quiet minute the whole limit", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const vendor = `v_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const limiter = new InboundLimiter(redis, "test-secret");
    const allowed = async (time: number, id: string) => {
      at(time);
      return (await limiter.check(vendor, "+221770000002", limits, id)).allowed;
    };
    // Three at the end of a minute, then four just after it: the previous minute still weighs 3 x 0.99,
    // rounded down to 2, so one more goes through (the README's "one message more").
    for (let i = 0; i < 3; i++) expect(await allowed(minute + 59_900 + i * 10, `a_${i}`)).toBe(true);
    const after = [];
    for (let i = 0; i < 4; i++) after.push(await allowed(minute + 60_100 + i * 10, `b_${i}`));
    expect(after).toEqual([true, false, false, false]);
    // Two minutes on, nothing of the flood is left: the limit again, whole.
    const later = [];
    for (let i = 0; i < 4; i++) later.push(await allowed(minute + 180_000 + i * 10, `c_${i}`));
    expect(later).toEqual([true, true, true, false]);
  });
});
