/**
 * The shapes of the console's API answers, as the server builds them (console-views.ts, health.ts,
 * console-api.ts) and as the console reads them: the console's type check imports this file by JSDoc,
 * so a change here is checked on both sides. Types only, no import: the console's check reads it alone.
 */

/** Times are ISO 8601 strings in answers (Firestore timestamps converted). */
export type IsoTime = string;

/** Every error answer of the admin API; `code` is what a client translates (docs/reference.md lists them). */
export interface ApiErrorBody {
  ok: false;
  error: { code: string; message: string; problems?: string[]; [detail: string]: unknown };
}

/** GET /vendors: who is signed in, and the vendors this account may manage. */
export interface SessionAnswer {
  ok: true;
  me: { uid: string; admin: boolean; vendorId: string | null };
  vendors: VendorSummary[];
}

export interface VendorSummary {
  vendorId: string;
  businessName: string;
  /** The language the bot writes to the vendor's buyers. */
  language: string;
}

/** A failed outbound message, as the health and failed-messages views list it. */
export interface FailedMessageView {
  path: string;
  to: string | undefined;
  failedAt: IsoTime | undefined;
  code: string | undefined;
  reason: string | undefined;
  provider: string | undefined;
  /** The copy the console sent again, if any. */
  redrivenAs?: string;
}

/** A number's health: whether its customers are being answered (GET /health, and each number of GET /numbers). */
export interface NumberHealth {
  wabaInstanceId: string;
  phoneNumber: unknown;
  provider: unknown;
  usable: boolean;
  /** Why the number cannot be used, when it cannot. */
  problems?: string[];
  session: {
    status: string | null;
    sessionStatus: string | null;
    lastSync: IsoTime | null;
    sessionStatusAt: IsoTime | null;
  };
  failoverProvider: string | null;
  circuit: { state: string; since?: IsoTime | null; reason?: string | null; failures?: number } | null;
  deliveryProblem: unknown;
  waiting: number;
  failedLast24h: { count: number; latest: FailedMessageView[] };
  lastErrors: unknown;
}

export interface VendorHealth {
  vendorId: string;
  at: IsoTime;
  numbers: NumberHealth[];
}

/** A number's settings without its credentials: shown fields, and which secrets are set. */
export interface InstanceView {
  wabaInstanceId: string;
  vendorId?: string;
  phoneNumber?: string;
  provider?: string;
  wasenderInstanceId?: string;
  wasenderApiUrl?: string;
  webhookSignatureScheme?: string;
  sendRatePerMinute?: number;
  failoverProvider?: string;
  metaPhoneNumberId?: string;
  metaApiUrl?: string;
  unipileAccountId?: string;
  unipileApiUrl?: string;
  businessName?: string;
  status?: string;
  configProblems?: string[];
  configNotices?: string[];
  /** Operators only: who holds a key this number was refused. */
  claimConflicts?: unknown;
  secretsSet: Record<string, boolean>;
  webhookRegistration?: { url: unknown; registeredAt: IsoTime | null };
}

export interface NumberView extends InstanceView {
  health: NumberHealth | null;
  /** The QR code to scan while the session waits for one. */
  qrCode: string | null;
  qrCodeUpdatedAt: IsoTime | null;
}

export interface NumbersAnswer {
  ok: true;
  vendorId: string;
  numbers: NumberView[];
}

export interface ProductView {
  productId: string;
  keyword: string | null;
  name: string | null;
  price: number | null;
  currency: string;
  stock: number | null;
  active: boolean;
  imageUrl: string | null;
  description: string | null;
  /** Whether the engine can use it as stored. */
  valid: boolean;
}

export interface ProductsAnswer {
  ok: true;
  vendorId: string;
  products: ProductView[];
}

export type OrderStatus = "reserved" | "paid" | "expired" | "cancelled";

export interface OrderView {
  reference: string;
  customer: string | null;
  customerName: string | null;
  status: OrderStatus | null;
  /** An order the backend asks the vendor to look at (`attention` says why). */
  flagged: boolean;
  attention: string | null;
  total: number | null;
  currency: string;
  items: Array<{ name: string; keyword: string; quantity: number; unitPrice: number }>;
  createdAt: IsoTime | null;
  expiresAt: IsoTime | null;
}

/** Counts and amounts per status, "flagged" counted apart as well. */
export type OrderTotals = Record<OrderStatus | "flagged", { count: number; amount: number }>;

export interface OrdersAnswer {
  ok: true;
  vendorId: string;
  orders: OrderView[];
  today: { since: IsoTime; totals: OrderTotals };
}

export interface HandoffView {
  customer: string;
  customerName: string | null;
  lastInboundText: string | null;
  pausedAt: IsoTime | null;
  lastInboundAt: IsoTime | null;
}

export interface HandoffsAnswer {
  ok: true;
  vendorId: string;
  handoffs: HandoffView[];
}

export interface ThreadMessageView {
  id: string;
  direction: "inbound" | "outbound" | null;
  text: string | null;
  imageUrl: string | null;
  origin: string | null;
  status: string | null;
  at: IsoTime | null;
}

export interface ThreadAnswer {
  ok: true;
  vendorId: string;
  customer: string;
  messages: ThreadMessageView[];
}

export interface FailedMessagesAnswer {
  ok: true;
  vendorId: string;
  failed: FailedMessageView[];
}

/** One product on the live page: what is left, reserved and paid today, and how many buyers wait in line. */
export interface LiveProductView {
  productId: string;
  keyword: string | null;
  name: string | null;
  active: boolean;
  price: number | null;
  currency: string;
  left: number | null;
  reserved: number;
  paid: number;
  waiting: number;
}

/** GET /vendors/{id}/live: the live page, from counters and count queries only. */
export interface LiveAnswer {
  vendorId: string;
  at: IsoTime;
  /** The Dakar date the figures are of, YYYY-MM-DD. */
  day: string;
  products: LiveProductView[];
  amounts: Record<"reserved" | "paid", { count: number; amount: number }>;
  /** Orders per minute over the last hour, the current minute last. */
  perMinute: Array<{ at: IsoTime; orders: number }>;
  funnel: { keyword: number; oui: number; paid: number };
  handoffs: number;
}
