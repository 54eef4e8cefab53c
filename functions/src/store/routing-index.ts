import { FieldValue, type Query, type Transaction } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { toE164 } from "../shared/phone";

/**
 * One document per account key, so a lookup is one read, never a scan, and an account has one owner
 * platform-wide (design, "Who may do what (tenants)"):
 *   phone_index/{E.164}                     -> { vendorId, wabaInstanceId }
 *   wasender_session_index/{sessionId}      -> { vendorId, wabaInstanceId }
 *   meta_phone_index/{phoneNumberId}        -> { vendorId, wabaInstanceId }
 *   unipile_account_index/{accountId}       -> { vendorId, wabaInstanceId }
 * The first number to claim a key keeps it while it still holds that key.
 */
export type IndexKind = "phone_index" | "wasender_session_index" | "meta_phone_index" | "unipile_account_index";

export type KeyField = "phoneNumber" | "wasenderInstanceId" | "metaPhoneNumberId" | "unipileAccountId";

export interface IndexEntry {
  vendorId: string;
  wabaInstanceId: string;
}

export type ClaimResult = { ok: true } | { ok: false; owner: IndexEntry };

/** Each kind of key: the instance field that holds it, and how an operator and staff name it. */
export const ACCOUNT_KEYS: ReadonlyArray<{ kind: IndexKind; field: KeyField; label: string }> = [
  { kind: "phone_index", field: "phoneNumber", label: "phone number" },
  { kind: "wasender_session_index", field: "wasenderInstanceId", label: "Wasender session" },
  { kind: "meta_phone_index", field: "metaPhoneNumberId", label: "Cloud API number" },
  { kind: "unipile_account_index", field: "unipileAccountId", label: "Unipile account" },
];

const FIELD_OF = new Map(ACCOUNT_KEYS.map(({ kind, field }) => [kind, field]));

/** Whether a key can name an index document: no slash, not "." or "..", not Firestore's `__…__`. */
export function isClaimableKey(key: string): boolean {
  return (
    key.length > 0 &&
    Buffer.byteLength(key) <= 1500 &&
    !key.includes("/") &&
    key !== "." &&
    key !== ".." &&
    !/^__.*__$/.test(key)
  );
}

/** The account key an instance document holds for a field (the phone as E.164), or undefined. */
export function keyOf(data: Readonly<Record<string, unknown>> | undefined, field: KeyField): string | undefined {
  const value = data?.[field];
  if (typeof value !== "string" || value.length === 0) return undefined;
  return field === "phoneNumber" ? toE164(value) : value;
}

/** A key claimed by another number that still holds it. */
export interface ClaimConflict {
  field: KeyField;
  label: string;
  key: string;
  owner: IndexEntry;
}

/**
 * Claims in the caller's transaction: reads the index documents of `after`'s keys (and their owners'
 * documents, or, for a key without one, the numbers that hold it), then either refuses with the conflicts, or returns the writes that claim every key of
 * `after` for this number and free the keys it held in `before` but no longer holds. Reads only: the
 * caller writes after all its reads, as a transaction must.
 */
export async function planClaims(
  tx: Transaction,
  wabaInstanceId: string,
  vendorId: string,
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>>,
): Promise<{ ok: true; write: () => void } | { ok: false; conflicts: ClaimConflict[] }> {
  const db = firestore();
  const wanted = ACCOUNT_KEYS.map((key) => ({ ...key, value: keyOf(after, key.field) })).filter(
    (key): key is (typeof ACCOUNT_KEYS)[number] & { value: string } =>
      key.value !== undefined && isClaimableKey(key.value),
  );
  const indexRefs = wanted.map(({ kind, value }) => db.collection(kind).doc(value));
  const indexSnaps = indexRefs.length > 0 ? await tx.getAll(...indexRefs) : [];
  const foreign = wanted
    .map((key, i) => ({ key, owner: indexSnaps[i]!.exists ? (indexSnaps[i]!.data() as IndexEntry) : undefined }))
    .filter(({ owner }) => owner !== undefined && owner.wabaInstanceId !== wabaInstanceId);
  const ownerSnaps =
    foreign.length > 0
      ? await tx.getAll(...foreign.map(({ owner }) => db.collection("waba_instances").doc(owner!.wabaInstanceId)))
      : [];
  const conflicts: ClaimConflict[] = [];
  foreign.forEach(({ key, owner }, i) => {
    const ownerData = ownerSnaps[i]!.exists ? ownerSnaps[i]!.data() : undefined;
    if (keyOf(ownerData, key.field) === key.value)
      conflicts.push({ field: key.field, label: key.label, key: key.value, owner: owner! });
  });
  // A key without an index document may still be held: a number onboarded before its kind of key was
  // indexed (Unipile accounts), or whose onboarding check has not run yet. Its holders are asked.
  const unindexed = wanted.filter((_, i) => !indexSnaps[i]!.exists);
  const holders = await Promise.all(unindexed.map((key) => tx.get(HOLDERS[key.field](key.value).limit(3))));
  unindexed.forEach((key, i) => {
    const holder = holders[i]!.docs.find(
      (doc) => doc.id !== wabaInstanceId && !refusedFor(doc.get("claimConflicts"), key.field),
    );
    if (holder)
      conflicts.push({
        field: key.field,
        label: key.label,
        key: key.value,
        owner: { vendorId: String(holder.get("vendorId")), wabaInstanceId: holder.id },
      });
  });
  if (conflicts.length > 0) return { ok: false, conflicts };
  const released = ACCOUNT_KEYS.map((key) => ({ ...key, value: keyOf(before, key.field) })).filter(
    (key) => key.value !== undefined && key.value !== keyOf(after, key.field) && isClaimableKey(key.value),
  );
  const releasedRefs = released.map(({ kind, value }) => db.collection(kind).doc(value!));
  const releasedSnaps = releasedRefs.length > 0 ? await tx.getAll(...releasedRefs) : [];
  return {
    ok: true,
    write: () => {
      wanted.forEach((_, i) => {
        const owner = indexSnaps[i]!.exists ? (indexSnaps[i]!.data() as IndexEntry) : undefined;
        if (owner?.wabaInstanceId === wabaInstanceId && owner.vendorId === vendorId) return;
        tx.set(indexRefs[i]!, { vendorId, wabaInstanceId, claimedAt: FieldValue.serverTimestamp() });
      });
      releasedSnaps.forEach((snap, i) => {
        if (snap.exists && snap.get("wabaInstanceId") === wabaInstanceId) tx.delete(releasedRefs[i]!);
      });
    },
  };
}

/** Claims one key for a number in a transaction of its own (the onboarding check of a Firestore edit). */
export async function claimIndexKey(kind: IndexKind, key: string, entry: IndexEntry): Promise<ClaimResult> {
  const db = firestore();
  const ref = db.collection(kind).doc(key);
  const field = FIELD_OF.get(kind)!;
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const owner = snap.exists ? (snap.data() as IndexEntry) : undefined;
    if (owner && owner.wabaInstanceId !== entry.wabaInstanceId) {
      const ownerInstance = await tx.get(db.collection("waba_instances").doc(owner.wabaInstanceId));
      if (ownerInstance.exists && keyOf(ownerInstance.data(), field) === key) return { ok: false, owner };
    }
    if (!owner) {
      // No index document: a number onboarded before this kind of key was indexed may hold it. It keeps
      // it, and the index now says so.
      const holder = (await tx.get(HOLDERS[field](key).limit(3))).docs.find(
        (doc) => doc.id !== entry.wabaInstanceId && !refusedFor(doc.get("claimConflicts"), field),
      );
      if (holder) {
        const held = { vendorId: String(holder.get("vendorId")), wabaInstanceId: holder.id };
        tx.set(ref, { ...held, claimedAt: FieldValue.serverTimestamp() });
        return { ok: false, owner: held };
      }
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

/**
 * The other numbers that hold a key and were refused it (their `configProblems` say so): once the key is
 * freed, they are checked again and the first to claim it gets it, with no edit of their own.
 */
export async function refusedClaimants(field: KeyField, key: string, except: string): Promise<string[]> {
  const snap = await HOLDERS[field](key).limit(10).get();
  return snap.docs.filter((doc) => doc.id !== except && Array.isArray(doc.get("claimConflicts"))).map((doc) => doc.id);
}

/** Whether a number was refused this field's key (its `claimConflicts` say so): it never held it. */
function refusedFor(claimConflicts: unknown, field: KeyField): boolean {
  return (
    Array.isArray(claimConflicts) &&
    claimConflicts.some((conflict) => (conflict as { field?: unknown })?.field === field)
  );
}

/** The numbers holding a key, one query per field (each on the field's automatic index). */
const HOLDERS: Record<KeyField, (key: string) => Query> = {
  phoneNumber: (key) => firestore().collection("waba_instances").where("phoneNumber", "==", key),
  wasenderInstanceId: (key) => firestore().collection("waba_instances").where("wasenderInstanceId", "==", key),
  metaPhoneNumberId: (key) => firestore().collection("waba_instances").where("metaPhoneNumberId", "==", key),
  unipileAccountId: (key) => firestore().collection("waba_instances").where("unipileAccountId", "==", key),
};
