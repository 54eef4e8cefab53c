import type { SendFailure } from "../messaging/types";

/** Backoff of retried sends: about 2 s first, doubling, never more than 15 minutes; full jitter. */
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 15 * 60_000;

export type RetryDecision =
  | { action: "retry"; at: number; possibleDuplicate: boolean; reason: string }
  | { action: "fail"; reason: string; instanceProblem: boolean };

/**
 * The exponential backoff with full jitter (a uniform draw below the doubled ceiling) for the n-th
 * failed attempt (1-based): the ceiling is 2 s, 4 s, 8 s … capped at 15 min. Full jitter spreads the
 * retries of many messages hit by one outage.
 */
export function backoffMs(failedAttempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failedAttempts - 1));
  // Never 0: a retry scheduled "now" would hammer a provider that just failed.
  return Math.max(250, Math.round(random() * ceiling));
}

/**
 * What to do after a failed send (pure; the README's retry table): retry at a time, or fail now. A
 * retry that would land after the message's deadline fails it with its last reason instead.
 */
export function decideRetry(
  failure: SendFailure,
  failedAttempts: number,
  now: number,
  deadline: number,
  random: () => number = Math.random,
): RetryDecision {
  const reason = failure.message;
  switch (failure.code) {
    case "unreachable":
    case "server_error":
      return retryOrExpire(now + backoffMs(failedAttempts, random), false, reason, deadline);
    case "connection_lost":
    case "timeout":
      // The request was written: WhatsApp may have it. Retried anyway (an answer matters more than a
      // rare duplicate), and the message says so.
      return retryOrExpire(now + backoffMs(failedAttempts, random), true, reason, deadline);
    case "rate_limited": {
      const asked = failure.retryAfterSeconds;
      const at =
        asked !== undefined && asked >= 0 ? now + Math.ceil(asked * 1000) : now + backoffMs(failedAttempts, random);
      return retryOrExpire(at, false, reason, deadline);
    }
    case "outside_window":
      // Only a template can reach the customer now; resending the same free text never will.
      return { action: "fail", reason, instanceProblem: false };
    case "unauthorized":
    case "not_found":
    case "number_unusable":
      return { action: "fail", reason, instanceProblem: true };
    default:
      return { action: "fail", reason, instanceProblem: false };
  }
}

function retryOrExpire(at: number, possibleDuplicate: boolean, reason: string, deadline: number): RetryDecision {
  if (at > deadline)
    return { action: "fail", reason: `delivery deadline passed; last error: ${reason}`, instanceProblem: false };
  return { action: "retry", at, possibleDuplicate, reason };
}
