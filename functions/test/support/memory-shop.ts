import type {
  EngineOrder,
  EngineVendor,
  ReservationRequest,
  ReservationResult,
  ShopPort,
  WaitlistJoin,
  WaitlistPlace,
  WaitlistRequest,
} from "../../src/engine/chat-engine";
import type { OrderDelivery } from "../../src/model/order-delivery";
import { AlloPermetEngine } from "../../src/engine/allopermet-engine";
import type { Product } from "../../src/model/product";

type WaitingPlace = WaitlistRequest & { status: "waiting" | "served" | "left" | "closed" };

/**
 * The engine's port in memory, for transcript tests that run in milliseconds. It keeps the same
 * promises as the Firestore adapter: reservations are all-or-nothing and never oversell.
 */
export class MemoryShop implements ShopPort {
  readonly products = new Map<string, Product>();
  readonly orders = new Map<string, EngineOrder & { customer: string }>();
  readonly paused = new Set<string>();
  /** The lines, in arrival order (the Firestore adapter orders by `joinedAt`). */
  readonly waitlist: WaitingPlace[] = [];
  private sequence = 0;

  constructor(products: Product[]) {
    for (const product of products) this.products.set(product.id, { ...product });
  }

  async activeProducts(): Promise<Product[]> {
    return [...this.products.values()].filter((product) => product.active).map((product) => ({ ...product }));
  }

  async product(productId: string): Promise<Product | undefined> {
    const product = this.products.get(productId);
    return product && { ...product };
  }

  async reserve(request: ReservationRequest): Promise<ReservationResult> {
    const shortages = request.items.flatMap((item) => {
      const product = this.products.get(item.productId);
      const available = product?.active ? product.stock : 0;
      return available < item.quantity
        ? [{ productId: item.productId, name: product?.name ?? item.productId, available }]
        : [];
    });
    if (shortages.length > 0) return { ok: false, shortages };
    const items = request.items.map((item) => {
      const product = this.products.get(item.productId)!;
      product.stock -= item.quantity;
      return {
        productId: product.id,
        keyword: product.keyword,
        name: product.name,
        unitPrice: product.price,
        quantity: item.quantity,
      };
    });
    this.sequence += 1;
    const reference = `CMD-TEST${this.sequence}`;
    const total = items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0) + (request.delivery?.fee ?? 0);
    const order = {
      reference,
      customer: request.customer,
      items,
      total,
      ...(request.delivery && { delivery: request.delivery }),
      currency: "XOF",
      status: "reserved" as const,
      paymentLink: request.paymentLink({ reference, amount: total, currency: "XOF" }),
      createdAt: new Date(Date.now() + this.sequence),
      expiresAt: request.expiresAt,
    };
    this.orders.set(reference, order);
    return { ok: true, order };
  }

  async ordersOf(customer: string, limit: number): Promise<EngineOrder[]> {
    return [...this.orders.values()]
      .filter((order) => order.customer === customer)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, limit);
  }

  async cancelReservation(customer: string, reference: string): Promise<EngineOrder | undefined> {
    const order = this.orders.get(reference);
    if (!order || order.customer !== customer || order.status !== "reserved") return undefined;
    this.release(order);
    order.status = "cancelled";
    return order;
  }

  async joinWaitlist(request: WaitlistRequest): Promise<WaitlistJoin> {
    const product = this.products.get(request.productId);
    if (!product?.active) return { kind: "inactive", name: product?.name ?? request.productId };
    if (product.stock >= request.quantity) return { kind: "available" };
    const mine = (entry: WaitingPlace) =>
      entry.status === "waiting" && entry.customer === request.customer && entry.productId === request.productId;
    const known = this.waitlist.find(mine);
    if (!known) this.waitlist.push({ ...request, status: "waiting" });
    const entry = known ?? this.waitlist.at(-1)!;
    return {
      kind: known ? "already" : "joined",
      name: product.name,
      quantity: entry.quantity,
      place: this.placeOf(entry),
    };
  }

  async waitlistPlaces(customer: string): Promise<WaitlistPlace[]> {
    return this.waitlist
      .filter((entry) => entry.status === "waiting" && entry.customer === customer)
      .map((entry) => ({
        productId: entry.productId,
        name: this.products.get(entry.productId)?.name ?? entry.productId,
        quantity: entry.quantity,
        place: this.placeOf(entry),
      }));
  }

  async leaveWaitlist(customer: string): Promise<string[]> {
    const leaving = this.waitlist.filter((entry) => entry.status === "waiting" && entry.customer === customer);
    for (const entry of leaving) entry.status = "left";
    return leaving.map((entry) => this.products.get(entry.productId)?.name ?? entry.productId);
  }

  async changeDelivery(
    customer: string,
    reference: string,
    delivery: OrderDelivery,
    paymentLink: ReservationRequest["paymentLink"],
  ): Promise<EngineOrder | undefined> {
    const order = this.orders.get(reference);
    if (!order || order.customer !== customer || order.status !== "reserved" || !order.delivery) return undefined;
    order.total = order.total - order.delivery.fee + delivery.fee;
    order.delivery = { ...delivery, ...(order.delivery.address && { address: order.delivery.address }) };
    order.paymentLink = paymentLink({ reference, amount: order.total, currency: order.currency });
    return order;
  }

  private placeOf(entry: WaitingPlace): number {
    const line = this.waitlist.filter((other) => other.status === "waiting" && other.productId === entry.productId);
    return line.indexOf(entry) + 1;
  }

  async resumeBot(customer: string): Promise<boolean> {
    return this.paused.delete(customer);
  }

  /** What the expiry sweep does to an order (the engine is not involved). */
  expire(reference: string): void {
    const order = this.orders.get(reference)!;
    this.release(order);
    order.status = "expired";
  }

  private release(order: EngineOrder): void {
    for (const item of order.items) {
      const product = this.products.get(item.productId);
      if (product) product.stock += item.quantity;
    }
  }
}

export const BUYER = "+221771234567";
export const OTHER_BUYER = "+221781112233";
export const OWNER = "+221765554433";

export function vendorSettings(overrides: Partial<EngineVendor> = {}): EngineVendor {
  return {
    vendorId: "vendor_t",
    businessName: "Awa Couture",
    language: "fr",
    liveMode: false,
    reservationDurationMinutes: 10,
    paymentLinkTemplate: "https://pay.wave.com/m/M_sn_awa?amount={amount}&ref={reference}",
    ownerPhone: OWNER,
    ...overrides,
  };
}

/**
 * One buyer talking to AlloPermet: `send` returns the texts the bot answers (an image's caption
 * included) and keeps the conversation state between messages, as the conversation document does.
 */
export class Transcript {
  state: Record<string, unknown> = {};
  paused = false;
  lastImages: string[] = [];
  now = new Date("2026-11-25T12:00:00Z"); // a Wednesday, noon in Dakar

  constructor(
    readonly shop: MemoryShop,
    readonly vendor: EngineVendor,
    readonly from = BUYER,
    readonly engine = new AlloPermetEngine(),
  ) {}

  async send(text: string): Promise<string[]> {
    if (this.paused && !this.shop.paused.has(this.from)) this.paused = false;
    if (this.paused) return [];
    const output = await this.engine.handle({
      vendor: this.vendor,
      state: this.state,
      message: { from: this.from, text, customerName: "Fatou" },
      now: this.now,
      shop: this.shop,
    });
    this.state = output.state;
    this.lastImages = output.replies.flatMap((reply) => (reply.imageUrl ? [reply.imageUrl] : []));
    if (output.handoff) {
      this.paused = true;
      this.shop.paused.add(this.from);
      this.lastNotice = output.handoff.ownerNotice;
    }
    return output.replies.map((reply) => reply.text);
  }

  lastNotice: { to: string; text: string } | undefined;
}

export const DEMO_PRODUCTS: Product[] = [
  {
    id: "robe1",
    keyword: "ROBE1",
    name: "Robe wax Ndeye",
    price: 15000,
    currency: "XOF",
    stock: 5,
    active: true,
    description: "Robe longue en wax.",
    imageUrl: "https://img.test/robe1.jpg",
  },
  {
    id: "boubou1",
    keyword: "BOUBOU1",
    name: "Grand boubou brodé",
    price: 45000,
    currency: "XOF",
    stock: 1,
    active: true,
  },
  { id: "sac1", keyword: "Sac-été", name: "Sac en cuir", price: 12500, currency: "XOF", stock: 0, active: true },
  {
    id: "ancien",
    keyword: "ANCIEN",
    name: "Ancienne collection",
    price: 5000,
    currency: "XOF",
    stock: 10,
    active: false,
  },
];
