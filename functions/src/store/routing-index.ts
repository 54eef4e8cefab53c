import { FieldValue } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";

/**
 * One document per routed key, so a lookup is one read, never a scan:
 *   phone_index/{E.164}                 -> { vendorId, wabaInstanceId }
 *   wasender_session_index/{sessionId}  -> { vendorId, wabaInstanceId }
 *   meta_phone_index/{phoneNumberId}    -> { vendorId, wabaInstanceId }  (a Cloud API number has one owner)
 * The first instance to claim a key keeps it while it still holds that key.
 */
export type IndexKind = "phone_index" | "wasender_session_index" | "meta_phone_index";

export interface IndexEntry {
  vendorId: string;
  wabaInstanceId: string;
}

export type ClaimResult = { ok: true } | { ok: false; owner: IndexEntry };

const KEY_FIELDS: Record<IndexKind, "phoneNumber" | "wasenderInstanceId" | "metaPhoneNumberId"> = {
  phone_index: "phoneNumber",
  wasender_session_index: "wasenderInstanceId",
  meta_phone_index: "metaPhoneNumberId",
};

function keyField(kind: IndexKind): "phoneNumber" | "wasenderInstanceId" | "metaPhoneNumberId" {
  return KEY_FIELDS[kind];
}

export async function claimIndexKey(kind: IndexKind, key: string, entry: IndexEntry): Promise<ClaimResult> {
  const db = firestore();
  const ref = db.collection(kind).doc(key);
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const owner = snap.exists ? (snap.data() as IndexEntry) : undefined;
    if (owner && owner.wabaInstanceId !== entry.wabaInstanceId) {
      const ownerInstance = await tx.get(db.collection("waba_instances").doc(owner.wabaInstanceId));
      if (ownerInstance.exists && ownerInstance.get(keyField(kind)) === key) return { ok: false, owner };
    }
    if (!owner || owner.vendorId !== entry.vendorId || owner.wabaInstanceId !== entry.wabaInstanceId) {
      tx.set(ref, { ...entry, claimedAt: FieldValue.serverTimestamp() });
    }
    return { ok: true };
  });
}

/** Frees a key, but only if this instance holds it. */
export async function releaseIndexKey(kind: IndexKind, key: string, wabaInstanceId: string): Promise<void> {
  const db = firestore();
  const ref = db.collection(kind).doc(key);
  await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.exists && snap.get("wabaInstanceId") === wabaInstanceId) tx.delete(ref);
  });
}

export async function readIndexEntry(kind: IndexKind, key: string): Promise<IndexEntry | undefined> {
  const snap = await firestore().collection(kind).doc(key).get();
  return snap.exists ? (snap.data() as IndexEntry) : undefined;
}
