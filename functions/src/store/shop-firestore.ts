import { FieldValue, Timestamp, type Transaction } from "firebase-admin/firestore";
import type {
  EngineOrder,
  ReservationRequest,
  ReservationResult,
  ShopPort,
  WaitlistJoin,
  WaitlistPlace,
  WaitlistRequest,
} from "../engine/chat-engine";
import type { OrderDelivery } from "../model/order-delivery";
import { waitlistEntryId } from "../model/waitlist";
import type { CheckoutCreator } from "../model/checkout-port";
import type { OrderDoc, OrderItem, StockDraw } from "../model/order";
import type { Product } from "../model/product";
import { conversationRef } from "./conversations";
import { isOrderReference, latestOrdersOf, orderRef, parseOrder, randomReference, toEngineOrder } from "./orders";
import { parseProduct, productRef, readActiveProductsCached } from "./products";
import { availableStock, prepareStockRelease, StockDrawer } from "./stock-shards";
import { placeInLine, readEntryIn, waitingEntriesOf, waitlistRef } from "./waitlist";

/** How many lines PLACE and ANNULER look at for one buyer. */
const LINES_SHOWN = 10;

type Write = (tx: Transaction) => void;

/** What a reservation may use besides the transaction. */
export interface ShopOptions {
  /** The reference a reservation takes: the same across the runs of one decision's transaction. */
  reference?: string;
  /** The vendor's pay link and checkout; absent: the link template. */
  checkout?: CheckoutCreator;
}

/**
 * The chat engine's shop, backed by Firestore inside the transaction that decides one inbound message.
 * Catalogue reads are plain reads, briefly cached (a card may show a stock a moment old) and never part
 * of the transaction. Reservations draw from the product's stock shards through the transaction, and
 * cancellations give back to them, so they commit together with the decision or not at all, and a rush
 * of buyers spreads over the shards instead of queueing on the product document. Firestore wants every
 * read of a transaction before its first write: writes wait in `apply`.
 */
export class FirestoreShop implements ShopPort {
  private readonly writes: Write[] = [];
  private readonly stock: StockDrawer;
  private readonly released = new Set<string>();
  private readonly checkouts: string[] = [];

  constructor(
    private readonly tx: Transaction,
    private readonly vendorId: string,
    private readonly wabaInstanceId: string,
    private readonly now: Date,
    private readonly options: ShopOptions = {},
  ) {
    this.stock = new StockDrawer(tx, vendorId);
  }

  activeProducts(): Promise<Product[]> {
    return readActiveProductsCached(this.vendorId);
  }

  async product(productId: string): Promise<Product | undefined> {
    const listed = (await this.activeProducts()).find((product) => product.id === productId);
    if (listed) return listed;
    const snap = await productRef(this.vendorId, productId).get();
    return snap.exists ? parseProduct(snap.id, snap.data()) : undefined;
  }

  async reserve(request: ReservationRequest): Promise<ReservationResult> {
    const catalogue = await this.activeProducts();
    const items: OrderItem[] = [];
    const draws: StockDraw[] = [];
    const shortages: { productId: string; name: string; available: number }[] = [];
    for (const wanted of request.items) {
      const product = catalogue.find((listed) => listed.id === wanted.productId);
      if (!product) {
        // Inactive or gone: nothing of it is on sale.
        shortages.push({
          productId: wanted.productId,
          name: (await this.product(wanted.productId))?.name ?? wanted.productId,
          available: 0,
        });
        continue;
      }
      const drawn = await this.stock.draw(product.id, request.customer, wanted.quantity, product.stockSync?.shards);
      if (!drawn.ok) {
        shortages.push({ productId: product.id, name: product.name, available: drawn.available });
        continue;
      }
      draws.push(...drawn.draws.map((draw) => ({ productId: product.id, ...draw })));
      items.push({
        productId: product.id,
        keyword: product.keyword,
        name: product.name,
        unitPrice: product.price,
        quantity: wanted.quantity,
      });
    }
    if (shortages.length > 0 || items.length === 0) {
      this.stock.putBack(draws);
      return { ok: false, shortages };
    }

    // A random reference, created in the transaction: the one-in-a-billion clash fails the commit and
    // the decision is made again, which costs less than reading every reference first.
    const reference = this.options.reference ?? randomReference();
    const total = items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0) + (request.delivery?.fee ?? 0);
    const currency = catalogue.find((product) => product.id === items[0]!.productId)?.currency ?? "XOF";
    const template = request.paymentLink({ reference, amount: total, currency });
    // Our pay link, known without the provider: the checkout is made after the commit, so this
    // transaction never holds its stock shards while a provider answers.
    const link = this.options.checkout
      ? await this.options.checkout.linkFor(this.vendorId, reference, template)
      : { url: template };
    if (link.fallback !== undefined) this.checkouts.push(reference);
    const order: OrderDoc = {
      customer: request.customer,
      ...(request.customerName && { customerName: request.customerName }),
      wabaInstanceId: this.wabaInstanceId,
      items,
      total,
      ...(request.delivery && { delivery: request.delivery }),
      currency,
      status: "reserved",
      stockHeld: true,
      stockDraws: draws,
      paymentLink: link.url,
      ...(link.fallback !== undefined && { paymentFallback: link.fallback }),
      createdAt: Timestamp.fromDate(this.now),
      expiresAt: Timestamp.fromDate(request.expiresAt),
      notices: {},
    };
    this.writes.push((tx) => tx.create(orderRef(this.vendorId, reference), order));
    return { ok: true, order: toEngineOrder(reference, order) };
  }

  ordersOf(customer: string, limit: number): Promise<EngineOrder[]> {
    return latestOrdersOf(this.vendorId, customer, limit);
  }

  async cancelReservation(customer: string, reference: string): Promise<EngineOrder | undefined> {
    if (!isOrderReference(reference)) return undefined;
    const ref = orderRef(this.vendorId, reference);
    const snap = await this.tx.get(ref);
    if (!snap.exists) return undefined;
    const order = parseOrder(snap.data());
    if (order.customer !== customer || order.status !== "reserved") return undefined;
    const release = order.stockHeld
      ? await prepareStockRelease(this.tx, this.vendorId, order.items, order.stockDraws)
      : undefined;
    release?.products.forEach((productId) => this.released.add(productId));
    this.writes.push((tx) => {
      tx.update(ref, {
        status: "cancelled",
        stockHeld: false,
        cancelledBy: "customer",
        cancelledAt: FieldValue.serverTimestamp(),
      });
      release?.write(tx);
    });
    return toEngineOrder(reference, { ...order, status: "cancelled" });
  }

  /**
   * A place in the product's line, written with the decision. The entry document is read in the
   * transaction (one place per buyer and product, however often OUI is said); the stock and the product
   * are plain reads: a place taken in the instant units come back is served by the next release or by
   * the sweep, and one taken as the product goes off sale is closed by the sweep.
   */
  async joinWaitlist(request: WaitlistRequest): Promise<WaitlistJoin> {
    const product = await this.product(request.productId);
    if (!product?.active) return { kind: "inactive", name: product?.name ?? request.productId };
    if ((await availableStock(this.vendorId, product.id)) >= request.quantity) return { kind: "available" };
    const ref = waitlistRef(this.vendorId, waitlistEntryId(product.id, request.customer));
    const { entry } = await readEntryIn(this.tx, ref);
    if (entry?.status === "waiting") {
      const place = await placeInLine(this.vendorId, product.id, entry.joinedAt);
      return { kind: "already", name: product.name, quantity: entry.quantity, place };
    }
    const joinedAt = Timestamp.fromDate(this.now);
    const place = await placeInLine(this.vendorId, product.id, joinedAt);
    this.writes.push((tx) =>
      // A buyer served, gone or closed before takes the same document again, at the back of the line.
      tx.set(ref, {
        productId: product.id,
        quantity: request.quantity,
        customer: request.customer,
        ...(request.customerName && { customerName: request.customerName }),
        instanceId: this.wabaInstanceId,
        status: "waiting",
        joinedAt,
        ...(request.delivery && { delivery: request.delivery }),
      }),
    );
    return { kind: "joined", name: product.name, quantity: request.quantity, place };
  }

  async waitlistPlaces(customer: string): Promise<WaitlistPlace[]> {
    const entries = await waitingEntriesOf(this.vendorId, customer, LINES_SHOWN);
    return Promise.all(
      entries.map(async ({ entry }) => ({
        productId: entry.productId,
        name: (await this.product(entry.productId))?.name ?? entry.productId,
        quantity: entry.quantity,
        place: await placeInLine(this.vendorId, entry.productId, entry.joinedAt),
      })),
    );
  }

  async leaveWaitlist(customer: string): Promise<string[]> {
    const entries = await waitingEntriesOf(this.vendorId, customer, LINES_SHOWN);
    const names: string[] = [];
    for (const { id } of entries) {
      const ref = waitlistRef(this.vendorId, id);
      // Read in the transaction: a place served meanwhile is a reservation now, not a place to leave.
      const { entry } = await readEntryIn(this.tx, ref);
      if (entry?.status !== "waiting") continue;
      names.push((await this.product(entry.productId))?.name ?? entry.productId);
      this.writes.push((tx) => tx.update(ref, { status: "left", leftAt: FieldValue.serverTimestamp() }));
    }
    return names;
  }

  async changeDelivery(
    customer: string,
    reference: string,
    delivery: OrderDelivery,
    paymentLink: ReservationRequest["paymentLink"],
  ): Promise<EngineOrder | undefined> {
    if (!isOrderReference(reference)) return undefined;
    const ref = orderRef(this.vendorId, reference);
    const snap = await this.tx.get(ref);
    if (!snap.exists) return undefined;
    const order = parseOrder(snap.data());
    if (order.customer !== customer || order.status !== "reserved" || !order.delivery) return undefined;
    const changed = { ...delivery, ...(order.delivery.address && { address: order.delivery.address }) };
    const total = order.total - order.delivery.fee + delivery.fee;
    const template = paymentLink({ reference, amount: total, currency: order.currency });
    const update: Record<string, unknown> = { delivery: changed, total };
    let link = template;
    if (order.paymentFallback !== undefined) {
      // Our pay link stays; the checkout is made again for the new total (one for the old total can no
      // longer pay: a payment must match the order's total exactly).
      link = order.paymentLink;
      update.paymentFallback = template;
      update.checkout = FieldValue.delete();
      update.checkoutClaimedAt = FieldValue.delete();
      this.checkouts.push(reference);
    } else update.paymentLink = template;
    this.writes.push((tx) => tx.update(ref, update));
    // The expiry does not move: changing the zone never holds the units longer.
    return toEngineOrder(reference, { ...order, delivery: changed, total, paymentLink: link });
  }

  async resumeBot(customer: string): Promise<boolean> {
    const ref = conversationRef(this.vendorId, customer);
    const snap = await this.tx.get(ref);
    if (snap.get("botPaused") !== true) return false;
    this.writes.push((tx) =>
      tx.update(ref, { botPaused: false, resumedAt: FieldValue.serverTimestamp(), resumedBy: "owner command" }),
    );
    return true;
  }

  /** Makes the buffered writes; call once every read of the transaction is done. */
  apply(tx: Transaction): void {
    this.stock.write(tx);
    for (const write of this.writes) write(tx);
  }

  /** The orders reserved with our pay link: their checkout is created after the commit. */
  get checkoutsToCreate(): string[] {
    return [...this.checkouts];
  }

  /** The products whose stock this decision changed: their `stock` view is refreshed after the commit. */
  get stockChanged(): string[] {
    return [...new Set([...this.stock.changed, ...this.released])];
  }
}
