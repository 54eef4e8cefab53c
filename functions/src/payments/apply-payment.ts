import { type DocumentReference, FieldValue, type Transaction } from "firebase-admin/firestore";
import { textBook } from "../engine/wording";
import type { Dispatch, OutboundDeps } from "../outbound/dispatch";
import { Outbox } from "../outbound/outbox";
import { firestore, getBoth } from "../shared/firestore";
import { logger } from "../shared/logger";
import { wellFormed } from "../model/common";
import { type OrderDoc, orderDocSchema } from "../model/order";
import { isOrderReference, orderRef } from "../store/orders";
import { paymentEntryRef } from "../store/payments";
import { readVendorConfigCached } from "../store/vendor-configs";
import type { VerifiedPayment } from "./provider";

/** What a verified payment event did. */
export type PaymentOutcome =
  | "paid"
  | "paid_late"
  | "duplicate"
  | "already_paid"
  | "amount_mismatch"
  | "failure_notified"
  | "failure_ignored"
  | "unknown_order"
  | "pending"
  /** Refused, nothing written: the payment is of another checkout than the order's own (Wave session). */
  | "checkout_mismatch"
  /** Refused, nothing written: the provider made the checkout for another vendor (PayDunya custom_data). */
  | "vendor_mismatch";

interface Texts {
  language: "fr" | "en";
  templates?: Record<string, string>;
  deadlineMinutes?: number;
}

async function textsOf(vendorId: string): Promise<Texts> {
  const read = await readVendorConfigCached(vendorId);
  return read.found && read.valid
    ? {
        language: read.config.language,
        ...(read.config.templates && { templates: read.config.templates }),
        deadlineMinutes: read.config.deliveryDeadlineMinutes,
      }
    : { language: "fr" };
}

const amountText = (amount: number | undefined, currency: string | undefined) => `${amount ?? "?"} ${currency ?? "?"}`;

/** Why a succeeded payment cannot pay its order: another amount or currency than the order's. */
function mismatch(order: OrderDoc, payment: VerifiedPayment): string | undefined {
  if (payment.amount === order.total && payment.currency === order.currency) return undefined;
  const paid = amountText(payment.amount, payment.currency);
  const expected = `${order.total} ${order.currency}`;
  return `${payment.provider} payment ${paid} does not match the order's ${expected}; not marked paid`;
}

/**
 * The vendor the provider says the checkout was made for must be this one. PayDunya's confirmation
 * always carries it (custom_data.vendorId, set at checkout), so its absence refuses too.
 */
function forAnotherVendor(vendorId: string, payment: VerifiedPayment): boolean {
  if (payment.provider === "paydunya") return payment.vendorId !== vendorId;
  return payment.vendorId !== undefined && payment.vendorId !== vendorId;
}

/** A payment of a checkout other than the one the order records (its buyer was sent to that one only). */
function forAnotherCheckout(order: OrderDoc | undefined, payment: VerifiedPayment): boolean {
  const checkout = order?.checkout;
  if (checkout?.state !== "created" || checkout.provider !== payment.provider) return false;
  return payment.checkoutId !== undefined && payment.checkoutId !== checkout.id;
}

function decide(order: OrderDoc | undefined, payment: VerifiedPayment): PaymentOutcome {
  if (payment.outcome === "pending") return "pending";
  if (!order) return "unknown_order";
  if (payment.outcome === "failed") return order.status === "reserved" ? "failure_notified" : "failure_ignored";
  if (mismatch(order, payment)) return "amount_mismatch";
  if (order.status === "paid") return "already_paid";
  return order.status === "reserved" ? "paid" : "paid_late";
}

/**
 * Applies one verified payment event to its order, once, in one transaction with its ledger entry:
 * the exact amount and currency pays a reserved order (the lifecycle's trigger thanks the buyer once);
 * one paid after the reservation ended is paid too and flagged (`attention`), its items having gone back
 * on sale; a wrong amount is recorded and flagged, never paid; a failure never un-pays and, while the
 * reservation holds, tells the buyer once. A redelivered event finds its ledger entry and changes nothing.
 */
export async function applyPayment(
  vendorId: string,
  received: VerifiedPayment,
  deps: Pick<OutboundDeps, "scheduler">,
): Promise<PaymentOutcome> {
  // Provider text may hold a lone surrogate (a JSON "\ud800"), which Firestore refuses.
  const payment: VerifiedPayment = {
    ...received,
    reference: wellFormed(received.reference),
    transactionId: wellFormed(received.transactionId),
    ...(received.currency !== undefined && { currency: wellFormed(received.currency) }),
  };
  if (payment.outcome === "pending") return "pending";
  if (forAnotherVendor(vendorId, payment)) {
    logger.warn("payment event refused: made for another vendor", { vendorId, provider: payment.provider });
    return "vendor_mismatch";
  }
  const ref = isOrderReference(payment.reference) ? orderRef(vendorId, payment.reference) : undefined;
  const entryRef = paymentEntryRef(vendorId, payment.provider, payment.transactionId, payment.outcome);
  const texts = payment.outcome === "failed" ? await textsOf(vendorId) : undefined;
  const { outcome, dispatches } = await firestore().runTransaction(
    async (tx): Promise<{ outcome: PaymentOutcome; dispatches: Dispatch[] }> => {
      const [entry, snap] = ref ? await getBoth(tx, entryRef, ref) : [await tx.get(entryRef), undefined];
      if (entry.exists) return { outcome: "duplicate", dispatches: [] };
      const order = snap?.exists ? readableOrder(snap.data(), snap.ref.path) : undefined;
      if (forAnotherCheckout(order, payment)) return { outcome: "checkout_mismatch", dispatches: [] };
      const outcome = decide(order, payment);
      const noticeId = `order_${payment.reference}_payment_failed_${entryRef.id}`;
      const sent = order && ref ? await updateOrder(tx, ref, order, payment, outcome, texts, noticeId) : [];
      tx.create(entryRef, {
        provider: payment.provider,
        transactionId: payment.transactionId,
        reference: payment.reference,
        outcome: payment.outcome,
        ...(payment.amount !== undefined && { amount: payment.amount }),
        ...(payment.currency !== undefined && { currency: payment.currency }),
        applied: outcome,
        receivedAt: FieldValue.serverTimestamp(),
      });
      return { outcome, dispatches: sent };
    },
  );
  const flagged =
    outcome === "amount_mismatch" ||
    outcome === "paid_late" ||
    outcome === "unknown_order" ||
    outcome === "checkout_mismatch";
  const log = flagged ? logger.warn : logger.info;
  log("payment event applied", { vendorId, reference: payment.reference, provider: payment.provider, outcome });
  await deps.scheduler.schedule(dispatches);
  return outcome;
}

/** An order document no code could have written is left to an operator; the payment stays in the ledger. */
function readableOrder(data: unknown, path: string): OrderDoc | undefined {
  const parsed = orderDocSchema.safeParse(data);
  if (!parsed.success) logger.warn("payment for an invalid order; recorded in the ledger only", { order: path });
  return parsed.success ? parsed.data : undefined;
}

async function updateOrder(
  tx: Transaction,
  ref: DocumentReference,
  order: OrderDoc,
  payment: VerifiedPayment,
  outcome: PaymentOutcome,
  texts: Texts | undefined,
  failureNoticeId: string,
): Promise<Dispatch[]> {
  const record = {
    provider: payment.provider,
    transactionId: payment.transactionId,
    ...(payment.amount !== undefined && { amount: payment.amount }),
    ...(payment.currency !== undefined && { currency: payment.currency }),
    paidAt: FieldValue.serverTimestamp(),
  };
  switch (outcome) {
    case "paid":
      tx.update(ref, {
        status: "paid",
        payment: record,
        paidAt: FieldValue.serverTimestamp(),
        "checkout.checkAfter": FieldValue.delete(),
      });
      return [];
    case "paid_late":
      tx.update(ref, {
        status: "paid",
        payment: record,
        paidAt: FieldValue.serverTimestamp(),
        attention:
          `paid through ${payment.provider} after the reservation ended (${order.status}); ` +
          "its items went back on sale",
      });
      return [];
    case "amount_mismatch":
      tx.update(ref, {
        paymentIssue: { ...record, reason: mismatch(order, payment) },
        attention: mismatch(order, payment),
      });
      return [];
    case "already_paid":
      // Another successful payment of a paid order: the buyer may have paid twice.
      if (order.payment?.transactionId !== payment.transactionId) {
        const second = `a second ${payment.provider} payment (${payment.transactionId})`;
        tx.update(ref, { attention: `${second} came for an order already paid` });
      }
      return [];
    case "failure_notified": {
      const outbox = await Outbox.open(tx, ref.parent.parent!.id, order.customer, texts?.deadlineMinutes);
      const t = textBook(texts?.language ?? "fr", texts?.templates);
      outbox.add({
        messageId: failureNoticeId,
        wabaInstanceId: order.wabaInstanceId,
        origin: "order",
        content: { text: t("paymentFailed", { reference: ref.id, link: order.paymentLink }) },
      });
      tx.update(ref, {
        lastPaymentFailure: {
          provider: payment.provider,
          transactionId: payment.transactionId,
          at: FieldValue.serverTimestamp(),
        },
      });
      return outbox.writeWithConversation(tx);
    }
    default:
      return [];
  }
}
