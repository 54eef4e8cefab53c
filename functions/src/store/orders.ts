import { randomInt } from "node:crypto";
import { FieldValue, Timestamp, type DocumentReference, type QueryDocumentSnapshot } from "firebase-admin/firestore";
import type { EngineOrder } from "../engine/chat-engine";
import { orderDocSchema, type OrderDoc } from "../model/order";
import type { OrderCheckout } from "../model/payment-account";
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
    ...(order.delivery && { delivery: order.delivery }),
    paymentLink: order.paymentLink,
    createdAt: order.createdAt.toDate(),
    expiresAt: order.expiresAt.toDate(),
  };
}

/** The buyer's latest orders, newest first (needs the customer + createdAt index). */
export async function latestOrdersOf(vendorId: string, customer: string, limit: number): Promise<EngineOrder[]> {
  const snap = await ordersOf(vendorId)
    .where("customer", "==", customer)
    .orderBy("createdAt", "desc")
    .limit(limit)
    .get();
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
    ? await ordersOf(vendorId)
        .where("createdAt", ">=", Timestamp.fromDate(since))
        .orderBy("createdAt", "desc")
        .limit(limit)
        .get()
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

/** What `claimCheckout` found: no such order, or the order and whether this run may create its checkout. */
export type CheckoutClaim = { kind: "unknown" } | { kind: "order"; order: OrderDoc; claimed: boolean };

/**
 * Takes the right to create a reserved order's checkout: granted when the order has a pay link (a
 * `paymentFallback`), no created checkout and no claim younger than `staleMs` (a run that died lets the
 * next one take over). Writes nothing to a missing order, nor to one it does not claim.
 */
export async function claimCheckout(
  vendorId: string,
  reference: string,
  now: Date,
  staleMs: number,
): Promise<CheckoutClaim> {
  const ref = orderRef(vendorId, reference);
  return firestore().runTransaction(async (tx): Promise<CheckoutClaim> => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { kind: "unknown" };
    const order = parseOrder(snap.data());
    const held = order.checkoutClaimedAt && now.getTime() - order.checkoutClaimedAt.toMillis() < staleMs;
    const claimed =
      order.status === "reserved" &&
      order.paymentFallback !== undefined &&
      order.checkout?.state !== "created" &&
      !held;
    if (claimed) tx.update(ref, { checkoutClaimedAt: Timestamp.fromDate(now) });
    return { kind: "order", order, claimed };
  });
}

/**
 * Records the checkout a claim made (or why none was) and lets the claim go; a checkout already created
 * for the order stays, and is returned instead. `undefined`: the order is gone.
 */
export async function recordCheckout(
  vendorId: string,
  reference: string,
  checkout: OrderCheckout,
): Promise<OrderCheckout | undefined> {
  const ref = orderRef(vendorId, reference);
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return undefined;
    const existing = parseOrder(snap.data()).checkout;
    if (existing?.state === "created") {
      tx.update(ref, { checkoutClaimedAt: FieldValue.delete() });
      return existing;
    }
    tx.update(ref, { checkout, checkoutClaimedAt: FieldValue.delete() });
    return checkout;
  });
}

/** The order as stored now, or `undefined`. */
export async function readOrder(vendorId: string, reference: string): Promise<OrderDoc | undefined> {
  const snap = await orderRef(vendorId, reference).get();
  return snap.exists ? parseOrder(snap.data()) : undefined;
}

/** Lets a claim go without recording anything (the run found nothing to create); never throws. */
export async function releaseCheckoutClaim(vendorId: string, reference: string): Promise<void> {
  await orderRef(vendorId, reference)
    .update({ checkoutClaimedAt: FieldValue.delete() })
    .catch(() => undefined);
}

/**
 * The vendor's orders created in [from, to), oldest first, a page at a time: a large range is never
 * held in memory (single-field index on createdAt). Each page starts after the last order of the one before.
 */
export async function* ordersCreatedBetween(
  vendorId: string,
  from: Date,
  to: Date,
  pageSize = 500,
): AsyncGenerator<Array<{ reference: string; data: Record<string, unknown> }>> {
  const range = ordersOf(vendorId)
    .where("createdAt", ">=", Timestamp.fromDate(from))
    .where("createdAt", "<", Timestamp.fromDate(to))
    .orderBy("createdAt");
  let last: QueryDocumentSnapshot | undefined;
  for (;;) {
    const snap = await (last ? range.startAfter(last) : range).limit(pageSize).get();
    if (snap.empty) return;
    yield snap.docs.map((doc) => ({ reference: doc.id, data: doc.data() }));
    if (snap.size < pageSize) return;
    last = snap.docs[snap.docs.length - 1];
  }
}
