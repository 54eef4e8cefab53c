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
