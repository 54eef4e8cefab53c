import { randomInt } from "node:crypto";
import { FieldValue, Timestamp, type DocumentReference } from "firebase-admin/firestore";
import type { EngineOrder } from "../engine/chat-engine";
import { orderDocSchema, type OrderDoc } from "../model/order";
import { firestore } from "../shared/firestore";

/**
 * `vendors/{vendorId}/orders/{reference}`: the reference buyers see ("CMD-7KQ2XA") is the document id,
 * so an operator finds an order in the console by what the buyer quotes.
 */
export function ordersOf(vendorId: string) {
  return firestore().collection("vendors").doc(vendorId).collection("orders");
}

export function orderRef(vendorId: string, reference: string): DocumentReference {
  return ordersOf(vendorId).doc(reference);
}

// No 0/O or 1/I: buyers read references aloud and type them back.
const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/** What `randomReference` makes; anything else never reaches a document path. */
export function isOrderReference(text: string): boolean {
  return new RegExp(`^CMD-[${ALPHABET}]{6}$`).test(text);
}

export function randomReference(): string {
  return `CMD-${Array.from({ length: 6 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("")}`;
}

export function parseOrder(data: unknown): OrderDoc {
  return orderDocSchema.parse(data);
}

export function toEngineOrder(reference: string, order: OrderDoc): EngineOrder {
  return {
    reference,
    items: order.items,
    total: order.total,
    currency: order.currency,
    status: order.status,
    paymentLink: order.paymentLink,
    createdAt: order.createdAt.toDate(),
    expiresAt: order.expiresAt.toDate(),
  };
}

/** The buyer's latest orders, newest first (needs the customer + createdAt index). */
export async function latestOrdersOf(vendorId: string, customer: string, limit: number): Promise<EngineOrder[]> {
  const snap = await ordersOf(vendorId).where("customer", "==", customer).orderBy("createdAt", "desc").limit(limit).get();
  return snap.docs.flatMap((doc) => {
    const parsed = orderDocSchema.safeParse(doc.data());
    return parsed.success ? [toEngineOrder(doc.id, parsed.data)] : [];
  });
}

/** Reserved orders whose time is up, across vendors, oldest first (collection-group index status + expiresAt). */
export async function dueReservations(now: Date, limit: number): Promise<DocumentReference[]> {
  const snap = await firestore()
    .collectionGroup("orders")
    .where("status", "==", "reserved")
    .where("expiresAt", "<=", Timestamp.fromDate(now))
    .orderBy("expiresAt")
    .limit(limit)
    .get();
  return snap.docs.map((doc) => doc.ref);
}

/**
 * Reserved orders whose checkout is due a check with its provider (no callback came), across vendors,
 * oldest first (collection-group index status + checkout.checkAfter).
 */
export async function checkoutsDue(now: Date, limit: number): Promise<DocumentReference[]> {
  const snap = await firestore()
    .collectionGroup("orders")
    .where("status", "==", "reserved")
    .where("checkout.checkAfter", "<=", Timestamp.fromDate(now))
    .orderBy("checkout.checkAfter")
    .limit(limit)
    .get();
  return snap.docs.map((doc) => doc.ref);
}

/** When the sweep asks about this order's checkout next (or never again: `undefined`). */
export async function setCheckoutCheck(ref: DocumentReference, next: Date | undefined): Promise<void> {
  await ref.update({ "checkout.checkAfter": next ? Timestamp.fromDate(next) : FieldValue.delete() });
}

/** The vendor's latest orders as stored (created since `since` when given), newest first: the console's list. */
export async function recentOrderDocs(
  vendorId: string,
  limit: number,
  since?: Date,
): Promise<Array<{ reference: string; data: Record<string, unknown> }>> {
  const snap = since
    ? await ordersOf(vendorId).where("createdAt", ">=", Timestamp.fromDate(since)).orderBy("createdAt", "desc").limit(limit).get()
    : await ordersOf(vendorId).orderBy("createdAt", "desc").limit(limit).get();
  return snap.docs.map((doc) => ({ reference: doc.id, data: doc.data() }));
}

export type OperatorStatusChange = { ok: true } | { ok: false; reason: "not_found" | "not_reserved"; status?: string };

/**
 * An operator ends a reservation, exactly as a console edit of `status` does: `onOrderWritten` then
 * thanks the buyer (paid) or gives the stock back and tells them (cancelled). Only a reserved order
 * may change here, checked in a transaction so two operators cannot both act on it.
 */
export async function setOrderStatusByOperator(
  vendorId: string,
  reference: string,
  status: "paid" | "cancelled",
  uid: string,
): Promise<OperatorStatusChange> {
  const ref = orderRef(vendorId, reference);
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { ok: false, reason: "not_found" } as const;
    const current = snap.get("status") as string | undefined;
    if (current !== "reserved")
      return { ok: false, reason: "not_reserved", ...(current && { status: current }) } as const;
    const now = Timestamp.now();
    tx.update(
      ref,
      status === "paid"
        ? { status, paidAt: now, paymentNote: `marked paid in the console by ${uid}` }
        : { status, cancelledBy: "vendor", cancelledAt: now },
    );
    return { ok: true } as const;
  });
}
