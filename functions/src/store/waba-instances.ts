import { FieldValue, Timestamp, type Transaction } from "firebase-admin/firestore";
import { circuitSchema, type Circuit } from "../model/circuit";
import { firestore } from "../shared/firestore";
import { checkInstance, type InstanceCheck } from "../model/waba-instance";

import { WABA_INSTANCES } from "./collections";
import { readVendorSnapshot } from "./config-cache";

export { WABA_INSTANCES };

/** One of a vendor's instances from the configuration cache, checked; undefined when the vendor has no such instance. */
export async function readVendorInstanceCached(vendorId: string, wabaInstanceId: string): Promise<InstanceCheck | undefined> {
  const stored = (await readVendorSnapshot(vendorId)).instances.find((instance) => instance.id === wabaInstanceId);
  return stored ? checkInstance(stored.id, stored.data) : undefined;
}

/** One instance by id, checked; undefined when the document does not exist. */
export async function readInstance(wabaInstanceId: string): Promise<InstanceCheck | undefined> {
  const snap = await firestore().collection(WABA_INSTANCES).doc(wabaInstanceId).get();
  return snap.exists ? checkInstance(snap.id, snap.data()) : undefined;
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

/**
 * Writes the onboarding check back on the instance, for the operator: `configProblems` while there are
 * any (removed once fixed) and the normalized phone number. Nothing is written when nothing changes.
 */
export async function writeInstanceCheck(
  wabaInstanceId: string,
  current: Record<string, unknown>,
  problems: string[],
  normalizedPhone: string | undefined,
): Promise<void> {
  const update: Record<string, unknown> = {};
  const existing = current.configProblems;
  const same = Array.isArray(existing) && existing.length === problems.length && existing.every((p, i) => p === problems[i]);
  if (problems.length > 0 && !same) update.configProblems = problems;
  if (problems.length === 0 && existing !== undefined) update.configProblems = FieldValue.delete();
  if (normalizedPhone) update.phoneNumber = normalizedPhone;
  if (Object.keys(update).length > 0) {
    await firestore().collection(WABA_INSTANCES).doc(wabaInstanceId).update(update);
  }
}

/**
 * Keeps `vendor_configs/{vendorId}` pointing at a live instance: a new valid instance becomes the
 * vendor's number when it has none (or a dangling one); a removed one is replaced by another of the
 * vendor's instances, or unset.
 */
export async function syncVendorConfigRouting(
  vendorId: string,
  wabaInstanceId: string,
  change: "added" | "removed",
  provider?: string,
): Promise<void> {
  const db = firestore();
  const configRef = db.collection("vendor_configs").doc(vendorId);
  await db.runTransaction(async (tx) => {
    const config = await tx.get(configRef);
    const current = config.get("wabaInstanceId") as string | undefined;
    if (change === "added") {
      const dangling = current ? !(await tx.get(db.collection(WABA_INSTANCES).doc(current))).exists : true;
      const update: Record<string, unknown> = {};
      if (!config.exists) update.vendorId = vendorId;
      if (dangling && current !== wabaInstanceId) update.wabaInstanceId = wabaInstanceId;
      if ((dangling || current === wabaInstanceId) && provider && config.get("wabaProvider") !== provider) update.wabaProvider = provider;
      if (Object.keys(update).length > 0) tx.set(configRef, update, { merge: true });
      return;
    }
    if (current !== wabaInstanceId) return;
    const others = await tx.get(db.collection(WABA_INSTANCES).where("vendorId", "==", vendorId).limit(5));
    const replacement = others.docs.find((doc) => doc.id !== wabaInstanceId && !doc.get("configProblems"));
    tx.set(
      configRef,
      replacement
        ? { wabaInstanceId: replacement.id, wabaProvider: replacement.get("provider") }
        : { wabaInstanceId: FieldValue.delete(), wabaProvider: FieldValue.delete() },
      { merge: true },
    );
  });
}

/** What a send decides its channel on, read in its transaction: the circuit and the session, as they are now. */
export interface InstanceRuntime {
  circuit: Circuit | undefined;
  status: string | undefined;
  sessionStatus: string | undefined;
}

function millisOf(value: unknown): unknown {
  return value instanceof Timestamp ? value.toMillis() : value;
}

/** Reads the instance's failover circuit and session state inside a transaction (one read). */
export async function readInstanceRuntime(tx: Pick<Transaction, "get">, wabaInstanceId: string): Promise<InstanceRuntime> {
  const snap = await tx.get(firestore().collection(WABA_INSTANCES).doc(wabaInstanceId));
  const raw = snap.get("circuit") as Record<string, unknown> | undefined;
  const parsed = raw
    ? circuitSchema.safeParse({
        ...raw,
        since: millisOf(raw.since),
        probeAt: millisOf(raw.probeAt),
        probe: raw.probe ? { ...(raw.probe as object), until: millisOf((raw.probe as Record<string, unknown>).until) } : undefined,
      })
    : undefined;
  return { circuit: parsed?.success ? parsed.data : undefined, status: snap.get("status"), sessionStatus: snap.get("sessionStatus") };
}

/** Stores the circuit on the instance, times as Firestore timestamps so an operator reads them in the console. */
export function writeCircuit(tx: Transaction, wabaInstanceId: string, circuit: Circuit): void {
  tx.update(firestore().collection(WABA_INSTANCES).doc(wabaInstanceId), {
    circuit: {
      state: circuit.state,
      since: Timestamp.fromMillis(circuit.since),
      reason: circuit.reason,
      failures: circuit.failures,
      ...(circuit.probeAt !== undefined && { probeAt: Timestamp.fromMillis(circuit.probeAt) }),
      ...(circuit.probe && { probe: { message: circuit.probe.message, until: Timestamp.fromMillis(circuit.probe.until) } }),
    },
  });
}

/** The last error of one provider on this number (`providerErrors.{provider}`), for the operator and the health call. */
export async function recordProviderError(wabaInstanceId: string, provider: string, error: { code: string; message: string }): Promise<void> {
  await firestore()
    .collection(WABA_INSTANCES)
    .doc(wabaInstanceId)
    .update({ [`providerErrors.${provider}`]: { code: error.code, message: error.message.slice(0, 500), at: FieldValue.serverTimestamp() } });
}

/** Every instance document of a vendor, as stored (the health call reads them fresh). */
export async function readVendorInstanceDocs(vendorId: string): Promise<Array<{ id: string; data: Record<string, unknown> }>> {
  const snap = await firestore().collection(WABA_INSTANCES).where("vendorId", "==", vendorId).limit(50).get();
  return snap.docs.map((doc) => ({ id: doc.id, data: doc.data() }));
}
