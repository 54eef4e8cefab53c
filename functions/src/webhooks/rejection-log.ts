import { logger } from "../shared/logger";

/** One line per vendor and reason in this window, however many requests are refused. */
const WINDOW_MS = 60_000;
/** Vendors remembered; beyond, the oldest is forgotten (its next refusal is logged at once). */
const MAX_KEYS = 10_000;

/**
 * Logs refused webhook requests without letting a flood of bad signatures become a flood of log
 * lines (each one is paid for): the first refusal of a vendor and reason is logged, the next ones in
 * the same minute are only counted, and the count goes out with the next line after the minute.
 */
export class RejectionLog {
  private readonly seen = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(private readonly windowMs = WINDOW_MS) {}

  note(vendorId: string, reason: string, now = Date.now()): void {
    const key = `${vendorId}\u0000${reason}`;
    const entry = this.seen.get(key);
    if (entry && now - entry.loggedAt < this.windowMs) {
      entry.suppressed += 1;
      return;
    }
    this.seen.delete(key);
    this.seen.set(key, { loggedAt: now, suppressed: 0 });
    if (this.seen.size > MAX_KEYS) this.seen.delete(this.seen.keys().next().value!);
    logger.warn("webhook rejected", {
      vendorId,
      reason,
      ...(entry && entry.suppressed > 0 && { alsoRejectedSincePreviousLine: entry.suppressed }),
    });
  }
}
