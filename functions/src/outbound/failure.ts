import { logger } from "../shared/logger";
import { outboundRef } from "../store/conversation-paths";
import type { DeliveryError } from "./delivery-state";
import type { AttemptTask } from "./dispatch";
import type { Write } from "./step";
import { FieldValue, type Transaction } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { writeDeliveryProblem } from "../store/waba-runtime";
import type { SendFailure } from "../messaging/types";

/** A message that ended failed, as its transaction decided it. */
export interface FailedDelivery {
  error: DeliveryError;
  /** Wasender refused the number itself (bad key, unknown session). */
  instanceProblem: boolean;
  wabaInstanceId: string;
}

function alertIdFor(task: AttemptTask): string {
  return `failed_${task.customer.replace(/\W/g, "")}_${task.messageId}`.slice(0, 500);
}

/**
 * The operator's alerts for a message that ended failed, written by the transaction that fails it (a
 * crash cannot separate them): `delivery_failed`, and `instance_refused` when Wasender refuses the number.
 */
export function failureAlerts(task: AttemptTask, failed: FailedDelivery): Write[] {
  const { error, instanceProblem, wabaInstanceId } = failed;
  const subject = outboundRef(task.vendorId, task.customer, task.messageId).path;
  const writes: Write[] = [
    (tx) =>
      raiseAlertIn(tx, task.vendorId, alertIdFor(task), {
        kind: "delivery_failed",
        message: error.message,
        subject,
        details: { code: error.code },
      }),
  ];
  if (instanceProblem) {
    writes.push((tx) =>
      raiseAlertIn(tx, task.vendorId, `instance_${wabaInstanceId}_${error.code}`, {
        kind: "instance_refused",
        message: error.message,
        subject: `waba_instances/${wabaInstanceId}`,
      }),
    );
  }
  return writes;
}

/** After the failure committed (with its alerts): logged, and the number marked when Wasender refuses it. */
export async function reportFailure(task: AttemptTask, failed: FailedDelivery): Promise<void> {
  const { error, instanceProblem, wabaInstanceId } = failed;
  logger.error("outbound failed", {
    vendorId: task.vendorId,
    messageId: task.messageId,
    code: error.code,
    reason: error.message,
  });
  if (instanceProblem) await markInstanceProblem(wabaInstanceId, { code: error.code, message: error.message });
}

const PROVIDER_NAMES: Record<string, string> = { wasender: "Wasender", meta: "Meta" };

/** A final reason that names every provider's last error (a failover fails with both reasons). */
export function withProviderErrors(
  reason: string,
  delivery: { lastErrors?: Record<string, DeliveryError> },
  current?: string,
): string {
  const others = Object.entries(delivery.lastErrors ?? {}).filter(([provider]) => provider !== current);
  if (others.length === 0) return reason;
  return `${reason}; ${others.map(([provider, error]) => `last ${PROVIDER_NAMES[provider] ?? provider} error: ${error.message}`).join("; ")}`;
}

export interface Alert {
  kind: "delivery_failed" | "instance_refused";
  message: string;
  subject: string;
  details?: Record<string, unknown>;
}

function alertRef(vendorId: string, alertId: string) {
  return firestore().collection("vendors").doc(vendorId).collection("alerts").doc(alertId);
}

/** The merge that raises an alert: written again for the same problem, it counts the repeats. */
function alertFields(alert: Alert): Record<string, unknown> {
  return { ...alert, resolved: false, count: FieldValue.increment(1), lastSeenAt: FieldValue.serverTimestamp() };
}

/**
 * `vendors/{vendorId}/alerts/{alertId}`: one document per problem an operator must look at (a message
 * that ended failed, a number whose key Wasender refuses), written by the transaction that records the
 * problem, so both commit together or not at all. A blind write (no read): it may follow every read.
 */
export function raiseAlertIn(tx: Transaction, vendorId: string, alertId: string, alert: Alert): void {
  tx.set(alertRef(vendorId, alertId), alertFields(alert), { merge: true });
}

/**
 * Marks a number whose session Wasender refuses (bad key, unknown session) for the operator; cleared
 * by the next successful send. A runtime field: the onboarding trigger does not re-validate for it.
 */
export async function markInstanceProblem(
  wabaInstanceId: string,
  problem: { code: string; message: string } | undefined,
): Promise<void> {
  await writeDeliveryProblem(wabaInstanceId, problem);
}

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
