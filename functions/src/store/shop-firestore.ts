import { FieldValue, Timestamp, type Transaction } from "firebase-admin/firestore";
import type { EngineOrder, ReservationRequest, ReservationResult, ShopPort } from "../engine/chat-engine";
import type { OrderDoc, OrderItem } from "../model/order";
import type { Product } from "../model/product";
import { conversationRef } from "./conversations";
import { isOrderReference, latestOrdersOf, orderRef, parseOrder, prepareStockRelease, randomReference, toEngineOrder } from "./orders";
import { parseProduct, productRef, readActiveProductsCached } from "./products";

type Write = (tx: Transaction) => void;

/**
 * The chat engine's shop, backed by Firestore inside the transaction that decides one inbound message.
 * Catalogue reads are plain reads, briefly cached (a card may show a stock a moment old); reservations, cancellations
 * and resumes read through the transaction, so they commit together with the decision or not at all.
 * Firestore wants every read of a transaction before its first write: writes wait in `apply`.
 */
export class FirestoreShop implements ShopPort {
  private readonly writes: Write[] = [];
  private catalogue?: Promise<Product[]>;

  constructor(
    private readonly tx: Transaction,
    private readonly vendorId: string,
    private readonly wabaInstanceId: string,
    private readonly now: Date,
  ) {}

  activeProducts(): Promise<Product[]> {
    this.catalogue ??= readActiveProductsCached(this.vendorId);
    return this.catalogue;
  }

  async product(productId: string): Promise<Product | undefined> {
    const snap = await productRef(this.vendorId, productId).get();
    return snap.exists ? parseProduct(snap.id, snap.data()) : undefined;
  }

  async reserve(request: ReservationRequest): Promise<ReservationResult> {
    const refs = request.items.map((item) => productRef(this.vendorId, item.productId));
    const snaps = await Promise.all(refs.map((ref) => this.tx.get(ref)));
    const items: OrderItem[] = [];
    const shortages: { productId: string; name: string; available: number }[] = [];
    request.items.forEach((wanted, index) => {
      const product = snaps[index]!.exists ? parseProduct(wanted.productId, snaps[index]!.data()) : undefined;
      const available = product?.active ? product.stock : 0;
      if (!product || available < wanted.quantity) {
        shortages.push({ productId: wanted.productId, name: product?.name ?? wanted.productId, available });
        return;
      }
      items.push({ productId: product.id, keyword: product.keyword, name: product.name, unitPrice: product.price, quantity: wanted.quantity });
    });
    if (shortages.length > 0 || items.length === 0) return { ok: false, shortages };

    const reference = await this.freeReference();
    const total = items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
    const currency = (snaps[0]!.get("currency") as string | undefined) ?? "XOF";
    const order: OrderDoc = {
      customer: request.customer,
      ...(request.customerName && { customerName: request.customerName }),
      wabaInstanceId: this.wabaInstanceId,
      items,
      total,
      currency,
      status: "reserved",
      stockHeld: true,
      paymentLink: request.paymentLink({ reference, amount: total, currency }),
      createdAt: Timestamp.fromDate(this.now),
      expiresAt: Timestamp.fromDate(request.expiresAt),
      notices: {},
    };
    this.writes.push((tx) => {
      items.forEach((item, index) => tx.update(refs[index]!, { stock: (snaps[index]!.get("stock") as number) - item.quantity }));
      tx.create(orderRef(this.vendorId, reference), order);
    });
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
    const release = order.stockHeld ? await prepareStockRelease(this.tx, this.vendorId, order.items) : () => {};
    this.writes.push((tx) => {
      tx.update(ref, { status: "cancelled", stockHeld: false, cancelledBy: "customer", cancelledAt: FieldValue.serverTimestamp() });
      release(tx);
    });
    return toEngineOrder(reference, { ...order, status: "cancelled" });
  }

  async resumeBot(customer: string): Promise<boolean> {
    const ref = conversationRef(this.vendorId, customer);
    const snap = await this.tx.get(ref);
    if (snap.get("botPaused") !== true) return false;
    this.writes.push((tx) => tx.update(ref, { botPaused: false, resumedAt: FieldValue.serverTimestamp(), resumedBy: "owner command" }));
    return true;
  }

  /** Makes the buffered writes; call once every read of the transaction is done. */
  apply(tx: Transaction): void {
    for (const write of this.writes) write(tx);
  }

  /** A reference no order of this vendor has (read in the transaction, so two buyers cannot both take it). */
  private async freeReference(): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const reference = randomReference();
      if (!(await this.tx.get(orderRef(this.vendorId, reference))).exists) return reference;
    }
    throw new Error("could not find a free order reference in 5 tries");
  }
}
