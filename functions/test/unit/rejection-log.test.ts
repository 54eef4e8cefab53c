import { logger } from "../../src/shared/logger";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RejectionLog } from "../../src/webhooks/rejection-log";

afterEach(() => vi.restoreAllMocks());

describe("RejectionLog", () => {
  it("logs a flood of refusals as one line a minute per vendor and reason, with the count", () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => {});
    const log = new RejectionLog(60_000);
    for (let i = 0; i < 1_000; i++) log.note("v1", "invalid_signature", 1_000 + i);
    log.note("v1", "missing_signature", 2_000);
    log.note("v2", "invalid_signature", 2_000);
    expect(warn).toHaveBeenCalledTimes(3);
    log.note("v1", "invalid_signature", 61_000);
    expect(warn).toHaveBeenCalledTimes(4);
    expect(warn).toHaveBeenLastCalledWith("webhook rejected", {
      vendorId: "v1",
      reason: "invalid_signature",
      alsoRejectedSincePreviousLine: 999,
    });
  });
});
