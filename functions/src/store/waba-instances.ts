import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { checkInstance, type InstanceCheck } from "../model/waba-instance";
import { PROVIDER_URL_FIELDS, STAFF_URLS_FIELD } from "../model/provider-urls";
import { planClaims, type ClaimConflict } from "./routing-index";

import { WABA_INSTANCES } from "./collections";
import { vendorConfigCache, type ConfigCache } from "./config-cache";
import { prepareSessionStatus, prepareStatusCopy } from "./waba-runtime";

export { WABA_INSTANCES };
// The send path's runtime reads and writes, where its callers have always imported them from.
export {
  hasDeliveryProblem,
  isStaleRuntime,
  readRuntime,
  readRuntimeForSend,
  recordProviderError,
  writeCircuitAsRead,
  type InstanceRuntime,
  type RuntimeRead,
} from "./waba-runtime";

/**
 * One of a vendor's instances from the configuration cache, checked; undefined when the vendor has no
 * such instance. Its keys are the ones to send with: a copy too old is read again first (an operator's
 * changed key or session id is used within 5 s, see ACCEPT_MAX_AGE_MS).
 */
export async function readVendorInstanceCached(
  vendorId: string,
  wabaInstanceId: string,
  cache: ConfigCache = vendorConfigCache(),
): Promise<InstanceCheck | undefined> {
  const { instances } = await cache.readForCredentials(vendorId);
  const stored = instances.find((instance) => instance.id === wabaInstanceId);
  return stored ? checkInstance(stored.id, stored.data) : undefined;
}

/** One instance by id, checked; undefined when the document does not exist. */
export async function readInstance(wabaInstanceId: string): Promise<InstanceCheck | undefined> {
  const snap = await firestore().collection(WABA_INSTANCES).doc(wabaInstanceId).get();
  return snap.exists ? checkInstance(snap.id, snap.data()) : undefined;
}

/**
 * Applies a `session.status` event: the session state and its history on the runtime document, and
 * the instance's `status` (with `lastSync`) only when it changes, so a repeated status, like every
 * other runtime write, leaves the document an operator edits (and the caches it feeds) alone.
 */
export async function recordSessionStatus(
  wabaInstanceId: string,
  sessionStatus: string,
  status: "connected" | "disconnected" | "pending",
): Promise<{ previousStatus: string | undefined }> {
  const ref = firestore().collection(WABA_INSTANCES).doc(wabaInstanceId);
  return firestore().runTransaction(async (tx) => {
    const now = Timestamp.now();
    const [snap, writeSession] = await Promise.all([
      tx.get(ref),
      prepareSessionStatus(tx, wabaInstanceId, sessionStatus, status, now),
    ]);
    const previousStatus = snap.get("status") as string | undefined;
    if (!snap.exists) return { previousStatus }; // deleted meanwhile: no runtime document left behind
    writeSession();
    if (previousStatus !== status) tx.update(ref, { status, lastSync: now });
    return { previousStatus };
  });
}

/**
 * Makes the runtime document's copy of `status` match the instance's (an operator's edit, a new or a
 * deleted instance), reading the instance now so an older event never overwrites a newer status.
 */
export async function syncRuntimeStatus(wabaInstanceId: string): Promise<void> {
  const ref = firestore().collection(WABA_INSTANCES).doc(wabaInstanceId);
  await firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const status = snap.exists ? ((snap.get("status") as string | undefined) ?? "pending") : undefined;
    (await prepareStatusCopy(tx, wabaInstanceId, status))();
  });
}

/** What was registered at Wasender for this number, and when. */
export async function recordRegistration(
  wabaInstanceId: string,
  registration: { url: string; events: string[] },
): Promise<void> {
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
  notices: string[] = [],
  conflicts: ReadonlyArray<{ field: string; key: string; owner: { vendorId: string; wabaInstanceId: string } }> = [],
): Promise<void> {
  const update: Record<string, unknown> = {};
  const sameList = (existing: unknown, list: string[]) =>
    Array.isArray(existing) && existing.length === list.length && existing.every((p, i) => p === list[i]);
  const existing = current.configProblems;
  if (problems.length > 0 && !sameList(existing, problems)) update.configProblems = problems;
  if (problems.length === 0 && existing !== undefined) update.configProblems = FieldValue.delete();
  // Notices never keep a number out: the other providers' fields a provider switch left behind.
  if (notices.length > 0 && !sameList(current.configNotices, notices)) update.configNotices = notices;
  if (notices.length === 0 && current.configNotices !== undefined) update.configNotices = FieldValue.delete();
  if (normalizedPhone) update.phoneNumber = normalizedPhone;
  // Who owns a disputed key, for operators only (the console shows it to them, never to staff).
  const claimConflicts = conflicts.map(({ field, key, owner }) => ({
    field,
    key,
    ownerVendorId: owner.vendorId,
    ownerInstanceId: owner.wabaInstanceId,
  }));
  if (claimConflicts.length > 0 && JSON.stringify(current.claimConflicts) !== JSON.stringify(claimConflicts))
    update.claimConflicts = claimConflicts;
  if (claimConflicts.length === 0 && current.claimConflicts !== undefined) update.claimConflicts = FieldValue.delete();
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
      if ((dangling || current === wabaInstanceId) && provider && config.get("wabaProvider") !== provider)
        update.wabaProvider = provider;
      if (Object.keys(update).length > 0) tx.set(configRef, update, { merge: true });
      return;
    }
    if (current !== wabaInstanceId) return;
    const others = await tx.get(db.collection(WABA_INSTANCES).where("vendorId", "==", vendorId).limit(5));
    const replacement = others.docs.find((doc) => doc.id !== wabaInstanceId && !doc.get("configProblems"));
    tx.set(
      configRef,
      replacement
        ? { wabaInstanceId: replacement.id, wabaProvider: replacement.get("provider") as unknown }
        : { wabaInstanceId: FieldValue.delete(), wabaProvider: FieldValue.delete() },
      { merge: true },
    );
  });
}

/** Every instance document of a vendor, as stored (the health call reads them fresh). */
export async function readVendorInstanceDocs(
  vendorId: string,
): Promise<Array<{ id: string; data: Record<string, unknown> }>> {
  const snap = await firestore().collection(WABA_INSTANCES).where("vendorId", "==", vendorId).limit(50).get();
  return snap.docs.map((doc) => ({ id: doc.id, data: doc.data() }));
}

/** One instance document as stored, or undefined. */
export async function readInstanceDoc(wabaInstanceId: string): Promise<Record<string, unknown> | undefined> {
  return (await firestore().collection(WABA_INSTANCES).doc(wabaInstanceId).get()).data();
}

/**
 * A console edit of a number, the same document an operator edits in Firestore: the given fields
 * replace the stored ones, `removed` ones are deleted, and `onWabaInstanceWritten` checks the result.
 * In the one transaction that writes it: refused when the document belongs to another vendor, or when
 * another number holds one of its account keys (phone, Wasender session, Cloud API number, Unipile
 * account), which it claims otherwise. `staff`: the provider URLs it sets are recorded as staff's
 * (model/provider-urls.ts); an operator's replace that record.
 */
export async function writeInstanceFields(
  vendorId: string,
  wabaInstanceId: string,
  fields: Record<string, unknown>,
  removed: string[],
  { staff = false }: { staff?: boolean } = {},
): Promise<
  | { ok: true; created: boolean }
  | { ok: false; reason: "other_vendor"; owner: string }
  | { ok: false; reason: "in_use"; conflicts: ClaimConflict[] }
> {
  const ref = firestore().collection(WABA_INSTANCES).doc(wabaInstanceId);
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.exists && snap.get("vendorId") !== vendorId)
      return { ok: false, reason: "other_vendor", owner: String(snap.get("vendorId")) } as const;
    const before = snap.data();
    const after: Record<string, unknown> = { ...before, ...fields, vendorId };
    for (const name of removed) delete after[name];
    const claims = await planClaims(tx, wabaInstanceId, vendorId, before, after);
    if (!claims.ok) return { ok: false, reason: "in_use", conflicts: claims.conflicts } as const;
    const update: Record<string, unknown> = { ...fields, vendorId, updatedAt: FieldValue.serverTimestamp() };
    if (!snap.exists) update.createdAt = FieldValue.serverTimestamp();
    for (const name of removed) if (snap.exists) update[name] = FieldValue.delete();
    const urls: Record<string, unknown> = {};
    for (const field of PROVIDER_URL_FIELDS) {
      if (staff && typeof fields[field] === "string") urls[field] = fields[field];
      else if (field in fields || removed.includes(field)) urls[field] = FieldValue.delete();
    }
    if (Object.keys(urls).length > 0 && (snap.exists || staff)) update[STAFF_URLS_FIELD] = urls;
    claims.write();
    tx.set(ref, update, { merge: true });
    return { ok: true, created: !snap.exists } as const;
  });
}
