import { FieldValue, type Transaction } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { writeDeliveryProblem } from "../store/waba-runtime";

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
