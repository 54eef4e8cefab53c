import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { checkWasenderInstance, type InstanceCheck } from "../model/waba-instance";

export const WABA_INSTANCES = "waba_instances";

/** Every `waba_instances` document of a vendor, each checked for use as a Wasender number. */
export async function readVendorInstances(vendorId: string): Promise<InstanceCheck[]> {
  const snap = await firestore().collection(WABA_INSTANCES).where("vendorId", "==", vendorId).get();
  return snap.docs.map((doc) => checkWasenderInstance(doc.id, doc.data()));
}

/** One instance by id, checked; undefined when the document does not exist. */
export async function readInstance(wabaInstanceId: string): Promise<InstanceCheck | undefined> {
  const snap = await firestore().collection(WABA_INSTANCES).doc(wabaInstanceId).get();
  return snap.exists ? checkWasenderInstance(snap.id, snap.data()) : undefined;
}

/** How many session status changes an instance keeps, newest last. */
const HISTORY_LENGTH = 20;

/** Applies a `session.status` event to the instance: its status, the raw session state, a short history. */
export async function recordSessionStatus(
  wabaInstanceId: string,
  sessionStatus: string,
  status: "connected" | "disconnected" | "pending",
): Promise<{ previousStatus: string | undefined }> {
  const ref = firestore().collection(WABA_INSTANCES).doc(wabaInstanceId);
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const history = (snap.get("connectionHistory") as unknown[] | undefined) ?? [];
    const now = Timestamp.now();
    tx.update(ref, {
      status,
      sessionStatus,
      lastSync: now,
      connectionHistory: [...history, { sessionStatus, status, at: now }].slice(-HISTORY_LENGTH),
      ...(status === "connected" && { qrCode: FieldValue.delete() }),
    });
    return { previousStatus: snap.get("status") as string | undefined };
  });
}

/** Keeps the latest QR string (`qrcode.updated`) so an operator can show it for scanning. */
export async function recordQrCode(wabaInstanceId: string, qr: string): Promise<void> {
  await firestore().collection(WABA_INSTANCES).doc(wabaInstanceId).update({
    qrCode: qr,
    qrCodeUpdatedAt: FieldValue.serverTimestamp(),
    lastSync: FieldValue.serverTimestamp(),
  });
}

/** What was registered at Wasender for this number, and when. */
export async function recordRegistration(wabaInstanceId: string, registration: { url: string; events: string[] }): Promise<void> {
  await firestore()
    .collection(WABA_INSTANCES)
    .doc(wabaInstanceId)
    .update({ webhookRegistration: { ...registration, enabled: true, registeredAt: FieldValue.serverTimestamp() } });
}
