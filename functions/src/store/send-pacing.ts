import { Timestamp } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";

/**
 * `send_pacing/{wabaInstanceId}`: the next free send slot of a number. Each sender reserves the next
 * slot in a transaction, so sends from every function instance are spaced evenly at the number's
 * Wasender rate and go out in the order their slots were taken.
 */
export async function reserveSendSlot(wabaInstanceId: string, intervalMs: number): Promise<number> {
  const db = firestore();
  const ref = db.collection("send_pacing").doc(wabaInstanceId);
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const next = (snap.get("nextSlotAt") as Timestamp | undefined)?.toMillis() ?? 0;
    const slot = Math.max(Date.now(), next);
    tx.set(ref, { nextSlotAt: Timestamp.fromMillis(slot + intervalMs) });
    return slot;
  });
}
