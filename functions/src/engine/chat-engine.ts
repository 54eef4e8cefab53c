import type { OutboundContent } from "../model/message";
import type { DeliverySettings, OrderDelivery } from "../model/order-delivery";
import type { OpeningHours } from "../model/opening-hours";
import type { OrderItem, OrderStatus } from "../model/order-parts";
import type { Product } from "../model/product";
import type { Language } from "../model/vendor-config";
import type { TemplateOverrides } from "../model/templates";

/** The engine's view of a vendor's settings (from `vendor_configs`, validated). */
export interface EngineVendor {
  vendorId: string;
  businessName?: string;
  welcomeMessage?: string;
  language: Language;
  templates?: TemplateOverrides;
  liveMode: boolean;
  openingHours?: OpeningHours;
  awayMessage?: string;
  reservationDurationMinutes: number;
  /** The vendor's own template, else the platform's pay page. */
  paymentLinkTemplate: string;
  ownerPhone?: string;
  /** Delivery zones: after OUI the bot asks the zone (and the address); absent, no question. */
  delivery?: DeliverySettings;
}

/** Per (vendor, customer) state the engine owns; stored on the conversation document between messages. */
export type ConversationState = Record<string, unknown>;

export interface EngineMessage {
  from: string;
  customerName?: string;
  text: string;
}

/** An order as the engine shows it to its buyer. */
export interface EngineOrder {
  reference: string;
  items: OrderItem[];
  total: number;
  currency: string;
  status: OrderStatus;
  delivery?: OrderDelivery;
  paymentLink: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ReservationRequest {
  customer: string;
  customerName?: string;
  items: { productId: string; quantity: number }[];
  expiresAt: Date;
  /** The zone and address chosen; its fee is added to the total. */
  delivery?: OrderDelivery;
  paymentLink: (order: { reference: string; amount: number; currency: string }) => string;
}

export type ReservationResult =
  { ok: true; order: EngineOrder } | { ok: false; shortages: { productId: string; name: string; available: number }[] };

export interface WaitlistRequest {
  customer: string;
  customerName?: string;
  productId: string;
  quantity: number;
  delivery?: OrderDelivery;
}

/**
 * Joining a line: a place (new, or the one the buyer already holds), or units on sale after all (the
 * engine then offers them as usual), or a product no longer on sale.
 */
export type WaitlistJoin =
  | { kind: "joined" | "already"; name: string; quantity: number; place: number }
  | { kind: "available" }
  | { kind: "inactive"; name: string };

/** A buyer's place in one line. */
export interface WaitlistPlace {
  productId: string;
  name: string;
  quantity: number;
  place: number;
}

/**
 * Everything the engine may read or change besides its own conversation state. Reservations and
 * cancellations are atomic: two buyers can never both get the last unit.
 */
export interface ShopPort {
  activeProducts(): Promise<Product[]>;
  /** Any product by id, active or not (undefined when it is gone). */
  product(productId: string): Promise<Product | undefined>;
  reserve(request: ReservationRequest): Promise<ReservationResult>;
  /** The buyer's latest orders, newest first. */
  ordersOf(customer: string, limit: number): Promise<EngineOrder[]>;
  /** Cancels one of the buyer's reserved orders and puts its items back on sale; undefined if none. */
  cancelReservation(customer: string, reference: string): Promise<EngineOrder | undefined>;
  /** Puts the buyer in line for a sold-out product; first come, first served (model/waitlist.ts). */
  joinWaitlist(request: WaitlistRequest): Promise<WaitlistJoin>;
  /** The lines the buyer waits in, with their place in each. */
  waitlistPlaces(customer: string): Promise<WaitlistPlace[]>;
  /** Takes the buyer out of every line they wait in; the names of those products. */
  leaveWaitlist(customer: string): Promise<string[]>;
  /**
   * A new delivery zone for one of the buyer's reserved orders with delivery, before they pay: its total
   * and pay link follow, its expiry does not move. Undefined when there is no such order.
   */
  changeDelivery(
    customer: string,
    reference: string,
    delivery: OrderDelivery,
    paymentLink: ReservationRequest["paymentLink"],
  ): Promise<EngineOrder | undefined>;
  /** Ends a human handoff: the bot answers that customer again. False when it was not paused. */
  resumeBot(customer: string): Promise<boolean>;
}

export interface ChatEngineInput {
  vendor: EngineVendor;
  state: ConversationState;
  message: EngineMessage;
  now: Date;
  shop: ShopPort;
}

export interface ChatEngineOutput {
  replies: OutboundContent[];
  state: ConversationState;
  /** The buyer asked for a person: the bot pauses for this conversation, the vendor is told. */
  handoff?: { ownerNotice?: { to: string; text: string } };
  /** Why nothing was answered, when nothing was. */
  silentReason?: string;
}

/** The seam between transport and conversation: no Firebase, no HTTP, just a message in and replies out. */
export interface ChatEngine {
  readonly name: string;
  handle(input: ChatEngineInput): Promise<ChatEngineOutput>;
}
