import { firestore } from "../shared/firestore";

/**
 * How many buyers wait in line for a product: `vendors/{vendorId}/waitlist/{entryId}` with `productId`
 * and `status: "waiting"`, counted by an aggregation (one read per thousand entries, none read whole).
 * No line yet (no such collection) counts 0.
 */
export async function countWaiting(vendorId: string, productId: string): Promise<number> {
  const snap = await firestore()
    .collection("vendors")
    .doc(vendorId)
    .collection("waitlist")
    .where("productId", "==", productId)
    .where("status", "==", "waiting")
    .count()
    .get();
  return snap.data().count;
}
