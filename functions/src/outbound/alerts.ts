import { FieldValue } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { writeDeliveryProblem } from "../store/waba-runtime";

/**
 * `vendors/{vendorId}/alerts/{alertId}`: one document per problem an operator must look at (a message
 * that ended failed, a number whose key Wasender refuses). Written again for the same problem, it
 * counts the repeats instead of piling up documents.
 */
export async function raiseAlert(
  vendorId: string,
  alertId: string,
  alert: { kind: "delivery_failed" | "instance_refused"; message: string; subject: string; details?: Record<string, unknown> },
): Promise<void> {
  await firestore()
    .collection("vendors")
    .doc(vendorId)
    .collection("alerts")
    .doc(alertId)
    .set(
      {
        ...alert,
        resolved: false,
        count: FieldValue.increment(1),
        lastSeenAt: FieldValue.serverTimestamp(),
      },
      { merge: true },
    );
}

/**
 * Marks a number whose session Wasender refuses (bad key, unknown session) for the operator; cleared
 * by the next successful send. A runtime field: the onboarding trigger does not re-validate for it.
 */
export async function markInstanceProblem(wabaInstanceId: string, problem: { code: string; message: string } | undefined): Promise<void> {
  await writeDeliveryProblem(wabaInstanceId, problem);
}
