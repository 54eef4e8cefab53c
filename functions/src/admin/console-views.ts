import { Timestamp } from "firebase-admin/firestore";
import { recentFailures } from "../store/message-stats";
import { readRuntimeDocs } from "../store/waba-runtime";
import { readVendorInstanceDocs } from "../store/waba-instances";
import type {
  FailedMessageView,
  HandoffView,
  InstanceView,
  NumberView,
  OrderStatus,
  OrderTotals,
  OrderView,
  ProductView,
  ThreadMessageView,
} from "./console-types";
import { problemsForStaff, vendorHealth } from "./health";

/**
 * What the operator console reads: server-made views of a vendor's documents. Credentials never leave
 * the server: a secret field is only said to be set or not.
 */
export const SECRET_FIELDS = [
  "wasenderApiKey",
  "wasenderWebhookSecret",
  "wasenderAccessToken",
  "previousWebhookSecret",
  "metaAccessToken",
  "metaAppSecret",
  "metaVerifyToken",
  "unipileApiKey",
  "unipileWebhookSecret",
] as const;

/** Instance fields shown as they are (none of them lets anyone send or sign as the vendor). */
const SHOWN_FIELDS = [
  "vendorId",
  "phoneNumber",
  "provider",
  "wasenderInstanceId",
  "wasenderApiUrl",
  "webhookSignatureScheme",
  "sendRatePerMinute",
  "failoverProvider",
  "metaPhoneNumberId",
  "metaApiUrl",
  "unipileAccountId",
  "unipileApiUrl",
  "businessName",
  "status",
  "configProblems",
  "configNotices",
] as const;

/** Timestamps as ISO strings, for a JSON answer. */
export function plain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  return value;
}

/** A stored time as an ISO string, or null. */
function isoOrNull(value: unknown): string | null {
  const shown = plain(value);
  return typeof shown === "string" ? shown : null;
}

const textOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);
const numberOrNull = (value: unknown): number | null => (typeof value === "number" ? value : null);

/**
 * An instance document without its credentials: shown fields, and which secrets are set. Operators
 * also see who owns a key this number was refused (`claimConflicts`).
 */
export function instanceView(
  id: string,
  data: Record<string, unknown>,
  { admin = false }: { admin?: boolean } = {},
): InstanceView {
  // Shown as stored: the onboarding check, not this view, says whether they are valid.
  const shown: Record<string, unknown> = Object.fromEntries(
    SHOWN_FIELDS.filter((name) => data[name] !== undefined).map((name) => [name, plain(data[name])]),
  );
  if (!admin && shown.configProblems !== undefined) shown.configProblems = problemsForStaff(shown.configProblems);
  if (admin && data.claimConflicts !== undefined) shown.claimConflicts = plain(data.claimConflicts);
  const secretsSet = Object.fromEntries(
    SECRET_FIELDS.map((name) => [name, typeof data[name] === "string" && data[name] !== ""]),
  );
  const registration = data.webhookRegistration as { url?: unknown; registeredAt?: unknown } | undefined;
  return {
    wabaInstanceId: id,
    ...(shown as Partial<InstanceView>),
    secretsSet,
    ...(registration && {
      webhookRegistration: { url: registration.url ?? null, registeredAt: isoOrNull(registration.registeredAt) },
    }),
  };
}

/** Each number of the vendor: its settings (no secrets), its health, and the QR code to scan while one is waiting. */
export async function numbersView(
  vendorId: string,
  viewer: { admin: boolean } = { admin: false },
): Promise<NumberView[]> {
  const [docs, health] = await Promise.all([readVendorInstanceDocs(vendorId), vendorHealth(vendorId, viewer)]);
  const runtimes = await readRuntimeDocs(docs.map(({ id }) => id));
  const healthById = new Map(health.numbers.map((entry) => [entry.wabaInstanceId, entry]));
  return docs
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(({ id, data }): NumberView => {
      const runtime = runtimes.get(id) ?? {};
      const qrCode = typeof runtime.qrCode === "string" ? runtime.qrCode : null;
      return {
        ...instanceView(id, data, viewer),
        health: healthById.get(id) ?? null,
        qrCode,
        qrCodeUpdatedAt: isoOrNull(runtime.qrCodeUpdatedAt),
      };
    });
}

/** The vendor's failed outbound messages of the last `days` days, newest first, over all its numbers. */
export async function failedMessagesView(
  vendorId: string,
  days: number,
  now = Date.now(),
): Promise<FailedMessageView[]> {
  const docs = await readVendorInstanceDocs(vendorId);
  const since = new Date(now - days * 24 * 60 * 60_000);
  const lists = await Promise.all(docs.map(({ id }) => recentFailures(id, since, 50)));
  return lists
    .flatMap((list) => list.latest)
    .filter((failure) => failure.path.startsWith(`vendors/${vendorId}/`))
    .sort((a, b) => (b.failedAt ?? "").localeCompare(a.failedAt ?? ""));
}

const ORDER_STATUSES: readonly OrderStatus[] = ["reserved", "paid", "expired", "cancelled"];
const orderStatusOf = (value: unknown): OrderStatus | null => ORDER_STATUSES.find((status) => status === value) ?? null;

/** An order as the console lists it; "flagged" is an order the backend asks the vendor to look at. */
export function orderView(reference: string, data: Record<string, unknown>): OrderView {
  const items = Array.isArray(data.items) ? (data.items as Array<Record<string, unknown>>) : [];
  return {
    reference,
    customer: textOrNull(data.customer),
    customerName: textOrNull(data.customerName),
    status: orderStatusOf(data.status),
    flagged: typeof data.attention === "string",
    attention: textOrNull(data.attention),
    total: numberOrNull(data.total),
    currency: textOrNull(data.currency) ?? "XOF",
    // As the order was written by the engine (validated there).
    items: items.map((item) => ({
      name: item.name as string,
      keyword: item.keyword as string,
      quantity: item.quantity as number,
      unitPrice: item.unitPrice as number,
    })),
    createdAt: isoOrNull(data.createdAt),
    expiresAt: isoOrNull(data.expiresAt),
  };
}

/** Counts and amounts per status of the orders given (the day's, in the console). */
export function orderTotals(orders: OrderView[]): OrderTotals {
  const empty = () => ({ count: 0, amount: 0 });
  const totals: OrderTotals = {
    reserved: empty(),
    paid: empty(),
    expired: empty(),
    cancelled: empty(),
    flagged: empty(),
  };
  for (const order of orders) {
    const amount = order.total ?? 0;
    const buckets = [...(order.status ? [order.status] : []), ...(order.flagged ? (["flagged"] as const) : [])];
    for (const bucket of buckets) {
      totals[bucket].count += 1;
      totals[bucket].amount += amount;
    }
  }
  return totals;
}

/** A product as the console lists it, and whether the engine can use it as stored. */
export function productView(productId: string, data: Record<string, unknown>, valid: boolean): ProductView {
  return {
    productId,
    keyword: textOrNull(data.keyword),
    name: textOrNull(data.name),
    price: numberOrNull(data.price),
    currency: textOrNull(data.currency) ?? "XOF",
    stock: numberOrNull(data.stock),
    active: data.active === true,
    imageUrl: textOrNull(data.imageUrl),
    description: textOrNull(data.description),
    valid,
  };
}

/** A conversation the bot handed to a person. */
export function handoffView(customer: string, data: Record<string, unknown>): HandoffView {
  return {
    customer,
    customerName: textOrNull(data.customerName),
    lastInboundText: textOrNull(data.lastInboundText),
    pausedAt: isoOrNull(data.pausedAt),
    lastInboundAt: isoOrNull(data.lastInboundAt),
  };
}

/** One message of a thread: inbound at its reception, outbound at its creation. */
export function threadMessageView(id: string, data: Record<string, unknown>): ThreadMessageView {
  return {
    id,
    direction: data.direction === "inbound" || data.direction === "outbound" ? data.direction : null,
    text: textOrNull(data.text),
    imageUrl: textOrNull(data.imageUrl),
    origin: textOrNull(data.origin),
    status: textOrNull(data.status),
    at: isoOrNull(data.receivedAt ?? data.createdAt),
  };
}
