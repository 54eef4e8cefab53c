import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BACKOFF_CAP_MS, backoffMs, decideRetry } from "../../src/outbound/failure";
import { secondsFromRateLimitReset } from "../../src/shared/rate-limit-reset";
import type { SendFailure } from "../../src/messaging/types";

const NOW = 1_800_000_000_000;
const DAY = 24 * 3600_000;
const failure = (code: SendFailure["code"], extra: Partial<SendFailure> = {}): SendFailure => ({
  code,
  message: `${code} happened`,
  ...extra,
});

describe("retry policy by cause", () => {
  it("backs off about 2 s first, doubling, capped at 15 minutes, with full jitter", () => {
    expect(backoffMs(1, () => 1)).toBe(2_000);
    expect(backoffMs(2, () => 1)).toBe(4_000);
    expect(backoffMs(3, () => 1)).toBe(8_000);
    expect(backoffMs(30, () => 1)).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(1, () => 0)).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const delay = backoffMs(n, () => r);
        return delay > 0 && delay <= Math.min(BACKOFF_CAP_MS, 2_000 * 2 ** (n - 1));
      }),
    );
  });

  it("retries what never reached Wasender and 5xx without a duplicate mark", () => {
    for (const code of ["unreachable", "server_error"] as const) {
      const decision = decideRetry(failure(code), 1, NOW, NOW + DAY, () => 1);
      expect(decision).toEqual({
        action: "retry",
        at: NOW + 2_000,
        possibleDuplicate: false,
        reason: `${code} happened`,
      });
    }
  });

  it("retries a timeout or a reset after the request was written, marked possibleDuplicate", () => {
    for (const code of ["timeout", "connection_lost"] as const) {
      expect(decideRetry(failure(code), 2, NOW, NOW + DAY, () => 1)).toMatchObject({
        action: "retry",
        at: NOW + 4_000,
        possibleDuplicate: true,
      });
    }
  });

  it("waits what a 429 asks, never earlier, else backs off", () => {
    expect(decideRetry(failure("rate_limited", { retryAfterSeconds: 4 }), 1, NOW, NOW + DAY, () => 0)).toMatchObject({
      action: "retry",
      at: NOW + 4_000,
    });
    expect(decideRetry(failure("rate_limited", { retryAfterSeconds: 0.5 }), 1, NOW, NOW + DAY)).toMatchObject({
      at: NOW + 500,
    });
    expect(decideRetry(failure("rate_limited"), 3, NOW, NOW + DAY, () => 1)).toMatchObject({
      action: "retry",
      at: NOW + 8_000,
    });
  });

  it("fails at once on a refused number, key or session; marks the number for a refused key or unknown session", () => {
    expect(decideRetry(failure("rejected"), 1, NOW, NOW + DAY)).toEqual({
      action: "fail",
      reason: "rejected happened",
      instanceProblem: false,
    });
    expect(decideRetry(failure("unauthorized"), 1, NOW, NOW + DAY)).toMatchObject({
      action: "fail",
      instanceProblem: true,
    });
    expect(decideRetry(failure("not_found"), 1, NOW, NOW + DAY)).toMatchObject({
      action: "fail",
      instanceProblem: true,
    });
    expect(decideRetry(failure("bad_response"), 1, NOW, NOW + DAY)).toMatchObject({
      action: "fail",
      instanceProblem: false,
    });
  });

  it("fails with the last reason when the next try would come after the deadline", () => {
    const decision = decideRetry(failure("server_error"), 5, NOW, NOW + 1_000, () => 1);
    expect(decision).toEqual({
      action: "fail",
      reason: "delivery deadline passed; last error: server_error happened",
      instanceProblem: false,
    });
    expect(decideRetry(failure("rate_limited", { retryAfterSeconds: 60 }), 1, NOW, NOW + 30_000)).toMatchObject({
      action: "fail",
    });
  });

  it("reads X-RateLimit-Reset as seconds to wait or as a Unix time", () => {
    expect(secondsFromRateLimitReset("60", NOW)).toBe(60);
    expect(secondsFromRateLimitReset(String(NOW / 1000 + 45), NOW)).toBe(45);
    expect(secondsFromRateLimitReset(String(NOW / 1000 - 5), NOW)).toBe(0);
    expect(secondsFromRateLimitReset("soon", NOW)).toBeUndefined();
    expect(secondsFromRateLimitReset(undefined, NOW)).toBeUndefined();
  });

  it("fails at once outside Meta's 24 h window, without marking the number", () => {
    expect(decideRetry(failure("outside_window"), 1, NOW, NOW + DAY)).toEqual({
      action: "fail",
      reason: "outside_window happened",
      instanceProblem: false,
    });
  });

  it("fails at once on an unusable Cloud API number (token revoked, number blocked) and marks it for the operator", () => {
    expect(decideRetry(failure("number_unusable"), 1, NOW, NOW + DAY)).toEqual({
      action: "fail",
      reason: "number_unusable happened",
      instanceProblem: true,
    });
    expect(decideRetry(failure("number_unusable"), 7, NOW, NOW + 1)).toMatchObject({
      action: "fail",
      instanceProblem: true,
    });
  });
});
