import { logger } from "../shared/logger";
import { outboundRef } from "../store/conversation-paths";
import { markInstanceProblem, raiseAlertIn } from "./alerts";
import type { DeliveryError } from "./delivery-state";
import type { AttemptTask } from "./dispatch";
import type { Write } from "./step";

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
