import { FieldValue, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { formatPrice } from "../engine/text";
import { textBook, type TextBook } from "../engine/texts";
import type { OrderDoc } from "../model/order";
import { firestore } from "../shared/firestore";
import { queueOutbound } from "../store/conversations";
import { dueReservations, orderRef, parseOrder, prepareStockRelease } from "../store/orders";
import { readVendorConfigCached } from "../store/vendor-configs";
import { sendOutboundInOrder, type SendDeps } from "../replies/send-outbound";

/** How many due reservations one scheduled run ends; the next run takes the rest. */
const EXPIRY_BATCH = 200;

type Notice = "paid" | "expired" | "cancelled";

interface NoticePlan {
  to: string;
  wabaInstanceId: string;
  messageId: string;
}

/** The vendor's texts (its language and overrides), or the French defaults when its config is unusable. */
async function textsFor(vendorId: string): Promise<{ t: TextBook; shop: string }> {
  const config = await readVendorConfigCached(vendorId);
  if (config.found && config.valid) {
    const { language, templates, businessName } = config.config;
    return { t: textBook(language, templates), shop: businessName ?? vendorId };
  }
  return { t: textBook("fr"), shop: vendorId };
}

function noticeId(reference: string, notice: Notice): string {
  return `order_${reference}_${notice}`;
}

/** Queues the buyer's notice for an order change, in the same transaction as the change, once. */
function queueNotice(tx: Transaction, vendorId: string, ref: DocumentReference, order: OrderDoc, notice: Notice, text: string): NoticePlan {
  const messageId = noticeId(ref.id, notice);
  queueOutbound(tx, vendorId, order.customer, messageId, { wabaInstanceId: order.wabaInstanceId, origin: "order", content: { text } });
  return { to: order.customer, wabaInstanceId: order.wabaInstanceId, messageId };
}

async function send(vendorId: string, plan: NoticePlan | undefined, deps: SendDeps): Promise<void> {
  if (plan) await sendOutboundInOrder(vendorId, plan.wabaInstanceId, plan.to, [plan.messageId], deps);
}

/**
 * Ends one reservation whose time is up: its items go back on sale and the buyer's notice is queued, in
 * one transaction; an order paid or cancelled meanwhile is left alone. Says whether it expired it, and
 * the notice to send.
 */
export async function expireReservation(ref: DocumentReference, now: Date, t: TextBook): Promise<{ expired: boolean; notice?: NoticePlan }> {
  const vendorId = ref.parent.parent!.id;
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { expired: false };
    const order = parseOrder(snap.data());
    if (order.status !== "reserved" || order.expiresAt.toMillis() > now.getTime()) return { expired: false };
    const release = order.stockHeld ? await prepareStockRelease(tx, vendorId, order.items) : () => {};
    release(tx);
    // An order an operator put back to reserved after it expired once was told already.
    const notice = order.notices.expired ? undefined : queueNotice(tx, vendorId, ref, order, "expired", t("reservationExpired", { reference: ref.id }));
    tx.update(ref, {
      status: "expired",
      stockHeld: false,
      expiredAt: FieldValue.serverTimestamp(),
      ...(notice && { "notices.expired": notice.messageId }),
    });
    return notice ? { expired: true, notice } : { expired: true };
  });
}

/**
 * The scheduled sweep: every reservation past its `expiresAt`, across vendors. All stock goes back
 * first, then the notices are sent (a number's send pacing must not hold other reservations).
 */
export async function expireDueReservations(now: Date, deps: SendDeps): Promise<number> {
  const due = await dueReservations(now, EXPIRY_BATCH);
  const texts = new Map<string, TextBook>();
  const notices: { vendorId: string; plan: NoticePlan }[] = [];
  let expired = 0;
  for (const ref of due) {
    const vendorId = ref.parent.parent!.id;
    try {
      if (!texts.has(vendorId)) texts.set(vendorId, (await textsFor(vendorId)).t);
      const outcome = await expireReservation(ref, now, texts.get(vendorId)!);
      if (outcome.expired) expired += 1;
      if (outcome.notice) notices.push({ vendorId, plan: outcome.notice });
    } catch (error) {
      // One bad order must not keep the others reserved forever.
      logger.error("reservation not expired", { order: ref.path, error: String(error) });
    }
  }
  const sent = await Promise.allSettled(notices.map(({ vendorId, plan }) => send(vendorId, plan, deps)));
  for (const failure of sent.filter((result) => result.status === "rejected")) {
    logger.error("expiry notice not sent", { error: String((failure as PromiseRejectedResult).reason) });
  }
  if (due.length > 0) logger.info("reservations expired", { due: due.length, expired });
  return expired;
}

/**
 * An order document changed (an operator or a payment callback confirmed the payment, or the vendor
 * cancelled or expired it by hand): tells the buyer once, and gives a reservation's items back to stock.
 */
export async function handleOrderWritten(vendorId: string, reference: string, deps: SendDeps): Promise<void> {
  const ref = orderRef(vendorId, reference);
  const { t, shop } = await textsFor(vendorId);
  const plan = await firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return undefined;
    const order = parseOrderSafely(snap.data(), ref.path);
    if (!order) return undefined;
    if (order.status === "paid" && order.notices.paid) {
      // Already decided (a redelivery, or the trigger our own update caused): send it if still queued.
      return { to: order.customer, wabaInstanceId: order.wabaInstanceId, messageId: order.notices.paid };
    }
    if (order.status === "paid") {
      const total = formatPrice(order.total, order.currency);
      const notice = queueNotice(tx, vendorId, ref, order, "paid", t("paymentThanks", { reference, total, shop }));
      const update: Record<string, unknown> = { "notices.paid": notice.messageId, paidAt: snap.get("paidAt") ?? FieldValue.serverTimestamp() };
      if (!order.stockHeld) {
        // Paid after its reservation ended: its items were put back on sale; the vendor must look.
        update.attention = "paid after the reservation ended; its items went back on sale";
        logger.warn("order paid after its reservation ended", { vendorId, reference });
      }
      tx.update(ref, update);
      return notice;
    }
    if ((order.status === "cancelled" || order.status === "expired") && order.stockHeld) {
      // Ended by hand in the console: the stock comes back here, once (stockHeld).
      const release = await prepareStockRelease(tx, vendorId, order.items);
      release(tx);
      const update: Record<string, unknown> = { stockHeld: false };
      let notice: NoticePlan | undefined;
      if (order.status === "cancelled") {
        update.cancelledBy = order.cancelledBy ?? "vendor";
        if (order.cancelledBy !== "customer" && !order.notices.cancelled) {
          notice = queueNotice(tx, vendorId, ref, order, "cancelled", t("cancelledByVendor", { reference }));
        }
      } else if (!order.notices.expired) {
        notice = queueNotice(tx, vendorId, ref, order, "expired", t("reservationExpired", { reference }));
      }
      if (notice) update[`notices.${order.status}`] = notice.messageId;
      tx.update(ref, update);
      return notice;
    }
    return undefined;
  });
  await send(vendorId, plan, deps);
}

function parseOrderSafely(data: unknown, path: string): OrderDoc | undefined {
  try {
    return parseOrder(data);
  } catch (error) {
    logger.warn("invalid order ignored", { order: path, error: String(error) });
    return undefined;
  }
}
