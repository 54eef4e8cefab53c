import { type DocumentReference, FieldValue, type Transaction } from "firebase-admin/firestore";
import { logger } from "../shared/logger";
import { formatPrice } from "../engine/formatting";
import { textBook, type TextBook } from "../engine/wording";
import type { OrderDoc } from "../model/order";
import { firestore } from "../shared/firestore";
import { dueReservations, orderRef, parseOrder } from "../store/orders";
import { prepareStockRelease } from "../store/stock-shards";
import { readVendorConfigCached } from "../store/vendor-configs";
import type { Dispatch } from "../outbound/dispatch";
import { Outbox } from "../outbound/outbox";
import { immediateStockViews, type StockViewScheduler } from "./stock-views";
import { serveLine, type WaitlistDeps } from "./waitlist-serving";

/**
 * What ending orders needs: the send path for the buyer's notice, the stock views to refresh, and the
 * pay link's parts for the waitlist's reservations (units that come back go to the line).
 */
export interface OrderDeps extends WaitlistDeps {
  /** Absent in in-process runs without a task queue: views are refreshed at once. */
  stockViews?: StockViewScheduler;
}

/** How many due reservations one scheduled run ends; the next run takes the rest. */
const EXPIRY_BATCH = 200;

type Notice = "paid" | "expired" | "cancelled";

interface VendorTexts {
  t: TextBook;
  shop: string;
  deadlineMinutes?: number;
}

/** The vendor's texts (its language and overrides), or the French defaults when its config is unusable. */
async function textsFor(vendorId: string): Promise<VendorTexts> {
  const config = await readVendorConfigCached(vendorId);
  if (config.found && config.valid) {
    const { language, templates, businessName, deliveryDeadlineMinutes } = config.config;
    return {
      t: textBook(language, templates),
      shop: businessName ?? vendorId,
      deadlineMinutes: deliveryDeadlineMinutes,
    };
  }
  return { t: textBook("fr"), shop: vendorId };
}

function noticeId(reference: string, notice: Notice): string {
  return `order_${reference}_${notice}`;
}

/**
 * Queues the buyer's notice for an order change on the buyer's conversation, in the same transaction
 * as the change, once. `outbox` was opened (read) before the transaction's first write.
 */
function queueNotice(
  tx: Transaction,
  outbox: Outbox,
  ref: DocumentReference,
  order: OrderDoc,
  notice: Notice,
  text: string,
): { messageId: string; dispatches: Dispatch[] } {
  const messageId = noticeId(ref.id, notice);
  outbox.add({ messageId, wabaInstanceId: order.wabaInstanceId, origin: "order", content: { text } });
  return { messageId, dispatches: outbox.writeWithConversation(tx) };
}

/**
 * Ends one reservation whose time is up: its items go back on sale and the buyer's notice is queued, in
 * one transaction; an order paid or cancelled meanwhile is left alone. Says whether it expired it, and
 * the notice to send.
 */
export async function expireReservation(
  ref: DocumentReference,
  now: Date,
  texts: VendorTexts,
): Promise<{ expired: boolean; dispatches: Dispatch[]; stockChanged: string[] }> {
  const vendorId = ref.parent.parent!.id;
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { expired: false, dispatches: [], stockChanged: [] };
    const order = parseOrder(snap.data());
    if (order.status !== "reserved" || order.expiresAt.toMillis() > now.getTime())
      return { expired: false, dispatches: [], stockChanged: [] };
    const release = order.stockHeld
      ? await prepareStockRelease(tx, vendorId, order.items, order.stockDraws)
      : undefined;
    // An order an operator put back to reserved after it expired once was told already.
    const outbox = order.notices.expired
      ? undefined
      : await Outbox.open(tx, vendorId, order.customer, texts.deadlineMinutes);
    release?.write(tx);
    const notice = outbox
      ? queueNotice(tx, outbox, ref, order, "expired", texts.t("reservationExpired", { reference: ref.id }))
      : undefined;
    tx.update(ref, {
      status: "expired",
      stockHeld: false,
      expiredAt: FieldValue.serverTimestamp(),
      ...(notice && { "notices.expired": notice.messageId }),
    });
    return { expired: true, dispatches: notice?.dispatches ?? [], stockChanged: release?.products ?? [] };
  });
}

/**
 * The scheduled sweep: every reservation past its `expiresAt`, across vendors. All stock goes back
 * first, then the notices are sent (a number's send pacing must not hold other reservations).
 */
export async function expireDueReservations(now: Date, deps: OrderDeps): Promise<number> {
  const due = await dueReservations(now, EXPIRY_BATCH);
  const texts = new Map<string, VendorTexts>();
  const dispatches: Dispatch[] = [];
  let expired = 0;
  for (const ref of due) {
    const vendorId = ref.parent.parent!.id;
    try {
      if (!texts.has(vendorId)) texts.set(vendorId, await textsFor(vendorId));
      const outcome = await expireReservation(ref, now, texts.get(vendorId)!);
      if (outcome.expired) expired += 1;
      dispatches.push(...outcome.dispatches);
      await (deps.stockViews ?? immediateStockViews).refresh(vendorId, outcome.stockChanged);
      for (const productId of outcome.stockChanged) await serveLine(vendorId, productId, deps, now);
    } catch (error) {
      // One bad order must not keep the others reserved forever.
      logger.error("reservation not expired", { order: ref.path, error: String(error) });
    }
  }
  // Every reservation ended first; the notices go out as tasks, never holding the sweep.
  await deps.scheduler.schedule(dispatches);
  if (due.length > 0) logger.info("reservations expired", { due: due.length, expired });
  return expired;
}

/**
 * An order document changed (an operator or a payment callback confirmed the payment, or the vendor
 * cancelled or expired it by hand): tells the buyer once, and gives a reservation's items back to stock.
 */
export async function handleOrderWritten(vendorId: string, reference: string, deps: OrderDeps): Promise<void> {
  const ref = orderRef(vendorId, reference);
  const texts = await textsFor(vendorId);
  const { t, shop } = texts;
  let stockChanged: string[] = [];
  let ended: string[] = [];
  const dispatches = await firestore().runTransaction(async (tx): Promise<Dispatch[]> => {
    stockChanged = [];
    ended = [];
    const snap = await tx.get(ref);
    if (!snap.exists) return [];
    const order = parseOrderSafely(snap.data(), ref.path);
    if (!order) return [];
    // An ended reservation's units are back on the shelf (here, at the buyer's ANNULER or at the
    // sweep): its products' lines are served after the commit, whoever gave them back.
    if (order.status === "cancelled" || order.status === "expired")
      ended = [...new Set(order.items.map((item) => item.productId))];
    // Already told (a redelivery, or the trigger our own update caused): the notice is queued with its task.
    if (order.status === "paid" && order.notices.paid) return [];
    if (order.status === "paid") {
      const total = formatPrice(order.total, order.currency);
      const outbox = await Outbox.open(tx, vendorId, order.customer, texts.deadlineMinutes);
      const notice = queueNotice(tx, outbox, ref, order, "paid", t("paymentThanks", { reference, total, shop }));
      const update: Record<string, unknown> = {
        "notices.paid": notice.messageId,
        paidAt: snap.get("paidAt") ?? FieldValue.serverTimestamp(),
      };
      if (!order.stockHeld) {
        // Paid after its reservation ended: its items were put back on sale; the vendor must look.
        update.attention = "paid after the reservation ended; its items went back on sale";
        logger.warn("order paid after its reservation ended", { vendorId, reference });
      }
      tx.update(ref, update);
      return notice.dispatches;
    }
    if ((order.status === "cancelled" || order.status === "expired") && order.stockHeld) {
      // Ended by hand in the console: the stock comes back here, once (stockHeld).
      const release = await prepareStockRelease(tx, vendorId, order.items, order.stockDraws);
      stockChanged = release.products;
      const update: Record<string, unknown> = { stockHeld: false };
      const kind: Notice | undefined =
        order.status === "cancelled"
          ? order.cancelledBy !== "customer" && !order.notices.cancelled
            ? "cancelled"
            : undefined
          : !order.notices.expired
            ? "expired"
            : undefined;
      const outbox = kind ? await Outbox.open(tx, vendorId, order.customer, texts.deadlineMinutes) : undefined;
      release.write(tx);
      if (order.status === "cancelled") update.cancelledBy = order.cancelledBy ?? "vendor";
      const notice =
        kind && outbox
          ? queueNotice(
              tx,
              outbox,
              ref,
              order,
              kind,
              kind === "cancelled" ? t("cancelledByVendor", { reference }) : t("reservationExpired", { reference }),
            )
          : undefined;
      if (notice) update[`notices.${order.status}`] = notice.messageId;
      tx.update(ref, update);
      return notice?.dispatches ?? [];
    }
    return [];
  });
  await deps.scheduler.schedule(dispatches);
  await (deps.stockViews ?? immediateStockViews).refresh(vendorId, stockChanged);
  for (const productId of ended) await serveLine(vendorId, productId, deps);
}

function parseOrderSafely(data: unknown, path: string): OrderDoc | undefined {
  try {
    return parseOrder(data);
  } catch (error) {
    logger.warn("invalid order ignored", { order: path, error: String(error) });
    return undefined;
  }
}
