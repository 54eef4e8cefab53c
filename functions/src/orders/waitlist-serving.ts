import { FieldValue, Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { paymentLink } from "../engine/allopermet-engine";
import { formatPrice } from "../engine/formatting";
import { dateFormat } from "../model/date-format";
import { textBook } from "../engine/wording";
import type { CheckoutCreator } from "../model/checkout-port";
import type { OrderDoc } from "../model/order";
import type { VendorConfig } from "../model/vendor-config";
import type { OutboundDeps } from "../outbound/dispatch";
import type { Dispatch } from "../outbound/dispatch";
import { Outbox } from "../outbound/outbox";
import { firestore } from "../shared/firestore";
import { logger } from "../shared/logger";
import { orderRef, randomReference } from "../store/orders";
import { parseProduct, productRef } from "../store/products";
import { StockDrawer, withFreshStock } from "../store/stock-shards";
import { readVendorConfigCached } from "../store/vendor-configs";
import { lineHead, linesWaiting, readEntryIn } from "../store/waitlist";
import { immediateStockViews, type StockViewScheduler } from "./stock-views";

/** What serving a line needs besides Firestore: the send path, and the pay link's parts. */
export interface WaitlistDeps extends OutboundDeps {
  stockViews?: StockViewScheduler;
  /** The vendor's checkout (payment accounts); absent: the link template alone. */
  checkout?: CheckoutCreator;
  /** The platform's pay page, for vendors without their own `paymentLinkTemplate`. */
  platformPaymentLink?: () => string;
}

/** How many places one query of a line reads; a run reads the next ones while units are left. */
const LINE_PAGE = 10;
/** A run serves at most this many places (then the next release, or the sweep, goes on). */
const MAX_SERVED_PER_RUN = 200;
/** How many lines one sweep looks at. */
const SWEEP_LINES = 100;
const PLATFORM_LINK_DEFAULT = "https://livepay.tech/pay/{vendorId}/{reference}?amount={amount}";

type EntryOutcome =
  | { kind: "served"; reference: string; dispatches: Dispatch[]; checkout: boolean }
  | { kind: "gone" }
  | { kind: "short" }
  | { kind: "inactive" };

/**
 * One place of a line served, in one transaction: the place is still waiting, the product still on
 * sale, and its stock shards hold the buyer's quantity; then the units are drawn (the shards stay the
 * only truth, so a rush of new buyers and releases never oversells), the reservation is created with
 * its own expiry, the place is marked served, and the buyer's message is queued on their conversation.
 * A redelivered or concurrent run finds the place served and does nothing; one whose commit finds a
 * shard drawn from meanwhile is run again by its caller (`withFreshStock`).
 */
async function serveEntry(
  vendorId: string,
  ref: DocumentReference,
  config: VendorConfig,
  deps: WaitlistDeps,
  now: Date,
): Promise<EntryOutcome> {
  return firestore().runTransaction(async (tx): Promise<EntryOutcome> => {
    const { entry } = await readEntryIn(tx, ref);
    if (!entry || entry.status !== "waiting") return { kind: "gone" };
    const productSnap = await tx.get(productRef(vendorId, entry.productId));
    const product = productSnap.exists ? parseProduct(productSnap.id, productSnap.data()) : undefined;
    if (!product?.active) return { kind: "inactive" };
    const drawer = new StockDrawer(tx, vendorId);
    const drawn = await drawer.draw(product.id, entry.customer, entry.quantity, product.stockSync?.shards);
    if (!drawn.ok) return { kind: "short" };
    const outbox = await Outbox.open(tx, vendorId, entry.customer, config.deliveryDeadlineMinutes);

    const reference = randomReference();
    const total = product.price * entry.quantity + (entry.delivery?.fee ?? 0);
    const template = config.paymentLinkTemplate ?? deps.platformPaymentLink?.() ?? PLATFORM_LINK_DEFAULT;
    const fallback = paymentLink(
      { vendorId, paymentLinkTemplate: template },
      {
        reference,
        amount: total,
        currency: product.currency,
      },
    );
    const link = deps.checkout ? await deps.checkout.linkFor(vendorId, reference, fallback) : { url: fallback };
    const expiresAt = new Date(now.getTime() + config.reservationDurationMinutes * 60_000);
    const order: OrderDoc = {
      customer: entry.customer,
      ...(entry.customerName && { customerName: entry.customerName }),
      wabaInstanceId: entry.instanceId,
      items: [
        {
          productId: product.id,
          keyword: product.keyword,
          name: product.name,
          unitPrice: product.price,
          quantity: entry.quantity,
        },
      ],
      total,
      ...(entry.delivery && { delivery: entry.delivery }),
      waitlistEntry: ref.id,
      currency: product.currency,
      status: "reserved",
      stockHeld: true,
      stockDraws: drawn.draws.map((draw) => ({ productId: product.id, ...draw })),
      paymentLink: link.url,
      ...(link.fallback !== undefined && { paymentFallback: link.fallback }),
      createdAt: Timestamp.fromDate(now),
      expiresAt: Timestamp.fromDate(expiresAt),
      notices: {},
    };
    const t = textBook(config.language, config.templates);
    const text = t("waitlistServed", {
      name: product.name,
      quantity: entry.quantity,
      reference,
      total: formatPrice(total, product.currency),
      link: link.url,
      expiresAt: clock(expiresAt, config),
      minutes: config.reservationDurationMinutes,
    });
    outbox.add({
      messageId: `waitlist_${ref.id}_${entry.joinedAt.toMillis()}_served`,
      wabaInstanceId: entry.instanceId,
      origin: "order",
      content: { text },
    });

    drawer.write(tx);
    tx.create(orderRef(vendorId, reference), order);
    tx.update(ref, { status: "served", orderId: reference, servedAt: FieldValue.serverTimestamp() });
    const dispatches = outbox.writeWithConversation(tx);
    return { kind: "served", reference, dispatches, checkout: link.fallback !== undefined };
  });
}

/**
 * Units of a product came back (a reservation ended, the operator raised the stock, the sweep found
 * some): the first buyers in its line get them, in line order, each as a reservation of their own.
 * Stops at the first place the stock cannot serve, so nobody is served before a buyer ahead of them.
 * Safe to run twice or side by side: each place is served once. Returns the references reserved.
 */
export async function serveLine(
  vendorId: string,
  productId: string,
  deps: WaitlistDeps,
  now = new Date(),
): Promise<string[]> {
  const read = await readVendorConfigCached(vendorId);
  if (!read.found || !read.valid) return [];
  const config = read.config;
  const served: string[] = [];
  const checkouts: string[] = [];
  const dispatches: Dispatch[] = [];
  let closing = false;
  try {
    serving: while (served.length < MAX_SERVED_PER_RUN) {
      const head = await lineHead(vendorId, productId, LINE_PAGE);
      if (head.length === 0) break;
      let progressed = false;
      for (const ref of head) {
        const outcome = await withFreshStock(() => serveEntry(vendorId, ref, config, deps, now));
        if (outcome.kind === "short") break serving;
        if (outcome.kind === "inactive") {
          closing = true;
          break serving;
        }
        if (outcome.kind === "served") {
          served.push(outcome.reference);
          dispatches.push(...outcome.dispatches);
          if (outcome.checkout) checkouts.push(outcome.reference);
        }
        progressed = true;
      }
      if (!progressed || head.length < LINE_PAGE) break;
    }
  } finally {
    // What committed is sent, even when a later place failed.
    await deps.scheduler.schedule(dispatches);
  }
  if (served.length > 0) {
    logger.info("waitlist served", { vendorId, productId, served: served.length });
    await (deps.stockViews ?? immediateStockViews).refresh(vendorId, [productId]);
    const checkout = deps.checkout;
    if (checkout)
      await Promise.all(
        checkouts.map((reference) =>
          checkout.ensure(vendorId, reference).catch((error: unknown) => {
            logger.warn("checkout not created for a waitlist reservation; the pay link will", {
              vendorId,
              reference,
              error: String(error),
            });
          }),
        ),
      );
  }
  if (closing) await closeLine(vendorId, productId, deps);
  return served;
}

/** One waiting place closed (the product is off sale) and its buyer told, once. */
async function closeEntry(
  vendorId: string,
  ref: DocumentReference,
  config: VendorConfig | undefined,
): Promise<Dispatch[] | "active" | "gone"> {
  return firestore().runTransaction(async (tx) => {
    const { entry } = await readEntryIn(tx, ref);
    if (!entry || entry.status !== "waiting") return "gone";
    const productSnap = await tx.get(productRef(vendorId, entry.productId));
    if (productSnap.get("active") === true) return "active";
    const outbox = await Outbox.open(tx, vendorId, entry.customer, config?.deliveryDeadlineMinutes);
    const t = textBook(config?.language ?? "fr", config?.templates);
    const name = (productSnap.get("name") as string | undefined) ?? entry.productId;
    outbox.add({
      messageId: `waitlist_${ref.id}_${entry.joinedAt.toMillis()}_closed`,
      wabaInstanceId: entry.instanceId,
      origin: "order",
      content: { text: t("waitlistClosed", { name }) },
    });
    tx.update(ref, { status: "closed", closedAt: FieldValue.serverTimestamp() });
    return outbox.writeWithConversation(tx);
  });
}

/**
 * A product taken off sale (or deleted) closes its line: every waiting buyer is told, once. Stops when
 * the product is back on sale meanwhile (its line then stays open).
 */
export async function closeLine(vendorId: string, productId: string, deps: OutboundDeps): Promise<number> {
  const read = await readVendorConfigCached(vendorId);
  const config = read.found && read.valid ? read.config : undefined;
  let closed = 0;
  for (;;) {
    const head = await lineHead(vendorId, productId, LINE_PAGE);
    if (head.length === 0) break;
    const dispatches: Dispatch[] = [];
    let reopened = false;
    for (const ref of head) {
      const outcome = await closeEntry(vendorId, ref, config);
      if (outcome === "active") {
        reopened = true;
        break;
      }
      if (outcome === "gone") continue;
      closed += 1;
      dispatches.push(...outcome);
    }
    await deps.scheduler.schedule(dispatches);
    if (reopened || head.length < LINE_PAGE) break;
  }
  if (closed > 0) logger.info("waitlist closed", { vendorId, productId, closed });
  return closed;
}

/**
 * The sweep's part: lines with buyers waiting, across vendors, served from whatever their product's
 * shards hold (units that came back without a trigger telling, e.g. a trigger that failed), or closed
 * when their product went off sale.
 */
export async function serveWaitingLines(deps: WaitlistDeps, now = new Date()): Promise<number> {
  const lines = await linesWaiting(SWEEP_LINES);
  let served = 0;
  for (const { vendorId, productId } of lines) {
    try {
      served += (await serveLine(vendorId, productId, deps, now)).length;
    } catch (error) {
      logger.error("waitlist not served", { vendorId, productId, error: String(error) });
    }
  }
  return served;
}

/** "14:32" in the shop's time zone. */
function clock(date: Date, config: VendorConfig): string {
  return dateFormat("fr-FR", {
    timeZone: config.openingHours?.timeZone ?? "Africa/Dakar",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(date);
}
