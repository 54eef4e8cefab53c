import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { waitlistEntrySchema, type WaitlistEntry } from "../model/waitlist";
import { firestore } from "../shared/firestore";

/** `vendors/{vendorId}/waitlist`: buyers in line for sold-out products (model/waitlist.ts). */
export function waitlistOf(vendorId: string) {
  return firestore().collection("vendors").doc(vendorId).collection("waitlist");
}

export function waitlistRef(vendorId: string, entryId: string): DocumentReference {
  return waitlistOf(vendorId).doc(entryId);
}

/** The entry as stored, or undefined when missing or unreadable (an operator's bad edit is skipped). */
export function parseWaitlistEntry(data: unknown): WaitlistEntry | undefined {
  const parsed = waitlistEntrySchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** The first `limit` buyers in a product's line (index productId + status + joinedAt). */
export async function lineHead(vendorId: string, productId: string, limit: number): Promise<DocumentReference[]> {
  const snap = await waitlistOf(vendorId)
    .where("productId", "==", productId)
    .where("status", "==", "waiting")
    .orderBy("joinedAt")
    .limit(limit)
    .get();
  return snap.docs.map((doc) => doc.ref);
}

/** How many buyers wait for a product (the live page's figure: index productId + status). */
export async function waitingCount(vendorId: string, productId: string): Promise<number> {
  const snap = await waitlistOf(vendorId)
    .where("productId", "==", productId)
    .where("status", "==", "waiting")
    .count()
    .get();
  return snap.data().count;
}

/** A buyer's place in a line: the waiting buyers who joined before them, plus one. */
export async function placeInLine(vendorId: string, productId: string, joinedAt: Timestamp): Promise<number> {
  const snap = await waitlistOf(vendorId)
    .where("productId", "==", productId)
    .where("status", "==", "waiting")
    .where("joinedAt", "<", joinedAt)
    .count()
    .get();
  return snap.data().count + 1;
}

/** The lines a buyer waits in (index customer + status + joinedAt), oldest first. */
export async function waitingEntriesOf(
  vendorId: string,
  customer: string,
  limit: number,
): Promise<Array<{ id: string; entry: WaitlistEntry }>> {
  const snap = await waitlistOf(vendorId)
    .where("customer", "==", customer)
    .where("status", "==", "waiting")
    .orderBy("joinedAt")
    .limit(limit)
    .get();
  return snap.docs.flatMap((doc) => {
    const entry = parseWaitlistEntry(doc.data());
    return entry ? [{ id: doc.id, entry }] : [];
  });
}

/**
 * Products with buyers waiting, across vendors, oldest place first (collection-group index status +
 * joinedAt): the sweep serves any line whose units came back without a trigger telling it.
 */
export async function linesWaiting(limit: number): Promise<Array<{ vendorId: string; productId: string }>> {
  const snap = await firestore()
    .collectionGroup("waitlist")
    .where("status", "==", "waiting")
    .orderBy("joinedAt")
    .limit(limit)
    .get();
  const seen = new Map<string, { vendorId: string; productId: string }>();
  for (const doc of snap.docs) {
    const vendorId = doc.ref.parent.parent!.id;
    const productId: unknown = doc.get("productId");
    if (typeof productId === "string") seen.set(`${vendorId}/${productId}`, { vendorId, productId });
  }
  return [...seen.values()];
}

/** Reads one entry inside a transaction. */
export async function readEntryIn(
  tx: Transaction,
  ref: DocumentReference,
): Promise<{ exists: boolean; entry?: WaitlistEntry }> {
  const snap = await tx.get(ref);
  if (!snap.exists) return { exists: false };
  const entry = parseWaitlistEntry(snap.data());
  return entry ? { exists: true, entry } : { exists: true };
}
