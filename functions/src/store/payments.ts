import { createHash } from "node:crypto";
import type { DocumentReference } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";

/**
 * `vendors/{vendorId}/payments/{id}`: every verified payment event (callback or reconciliation), once,
 * with what it did to its order. A redelivery finds its own entry and changes nothing; a payment no
 * order could take (unknown reference, wrong amount, after the reservation ended) stays here, never lost.
 */
export function paymentEntryRef(
  vendorId: string,
  provider: string,
  transactionId: string,
  outcome: string,
): DocumentReference {
  // Provider ids may hold any character: the document id is a digest of them.
  const digest = createHash("sha256").update(`${transactionId}\n${outcome}`).digest("hex").slice(0, 40);
  return firestore().collection("vendors").doc(vendorId).collection("payments").doc(`${provider}_${digest}`);
}
