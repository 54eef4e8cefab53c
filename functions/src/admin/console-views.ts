import { Timestamp } from "firebase-admin/firestore";
import { recentFailures, type RecentFailure } from "../store/message-stats";
import { readRuntimeDocs } from "../store/waba-runtime";
import { readVendorInstanceDocs } from "../store/waba-instances";
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

/**
 * An instance document without its credentials: shown fields, and which secrets are set. Operators
 * also see who owns a key this number was refused (`claimConflicts`).
 */
export function instanceView(
  id: string,
  data: Record<string, unknown>,
  { admin = false }: { admin?: boolean } = {},
): Record<string, unknown> {
  const shown = Object.fromEntries(
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
    ...shown,
    secretsSet,
    ...(registration && {
      webhookRegistration: { url: registration.url ?? null, registeredAt: plain(registration.registeredAt) ?? null },
    }),
  };
}

/** Each number of the vendor: its settings (no secrets), its health, and the QR code to scan while one is waiting. */
export async function numbersView(
  vendorId: string,
  viewer: { admin: boolean } = { admin: false },
): Promise<Record<string, unknown>[]> {
  const [docs, health] = await Promise.all([readVendorInstanceDocs(vendorId), vendorHealth(vendorId, viewer)]);
  const runtimes = await readRuntimeDocs(docs.map(({ id }) => id));
  const healthById = new Map(
    (health.numbers as Array<Record<string, unknown>>).map((entry) => [entry.wabaInstanceId as string, entry]),
  );
  return docs
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(({ id, data }) => {
      const runtime = runtimes.get(id) ?? {};
      const qrCode = typeof runtime.qrCode === "string" ? runtime.qrCode : null;
      return {
        ...instanceView(id, data, viewer),
        health: healthById.get(id) ?? null,
        qrCode,
        qrCodeUpdatedAt: plain(runtime.qrCodeUpdatedAt) ?? null,
      };
    });
}

/** The vendor's failed outbound messages of the last `days` days, newest first, over all its numbers. */
export async function failedMessagesView(vendorId: string, days: number, now = Date.now()): Promise<RecentFailure[]> {
  const docs = await readVendorInstanceDocs(vendorId);
  const since = new Date(now - days * 24 * 60 * 60_000);
  const lists = await Promise.all(docs.map(({ id }) => recentFailures(id, since, 50)));
  return lists
    .flatMap((list) => list.latest)
    .filter((failure) => failure.path.startsWith(`vendors/${vendorId}/`))
    .sort((a, b) => (b.failedAt ?? "").localeCompare(a.failedAt ?? ""));
}

const ORDER_STATUSES = ["reserved", "paid", "expired", "cancelled"] as const;

/** An order as the console lists it; "flagged" is an order the backend asks the vendor to look at. */
export function orderView(reference: string, data: Record<string, unknown>): Record<string, unknown> {
  const items = Array.isArray(data.items) ? (data.items as Array<Record<string, unknown>>) : [];
  return {
    reference,
    customer: data.customer ?? null,
    customerName: data.customerName ?? null,
    status: data.status ?? null,
    flagged: typeof data.attention === "string",
    attention: data.attention ?? null,
    total: data.total ?? null,
    currency: data.currency ?? "XOF",
    items: items.map((item) => ({
      name: item.name,
      keyword: item.keyword,
      quantity: item.quantity,
      unitPrice: item.unitPrice,
    })),
    createdAt: plain(data.createdAt) ?? null,
    expiresAt: plain(data.expiresAt) ?? null,
  };
}

/** Counts and amounts per status of the orders given (the day's, in the console). */
export function orderTotals(orders: Array<Record<string, unknown>>): Record<string, { count: number; amount: number }> {
  const totals: Record<string, { count: number; amount: number }> = {};
  for (const status of [...ORDER_STATUSES, "flagged"]) totals[status] = { count: 0, amount: 0 };
  for (const order of orders) {
    const amount = typeof order.total === "number" ? order.total : 0;
    const buckets = [
      typeof order.status === "string" ? order.status : "",
      ...(order.flagged === true ? ["flagged"] : []),
    ];
    for (const bucket of buckets) {
      const total = totals[bucket];
      if (!total) continue;
      total.count += 1;
      total.amount += amount;
    }
  }
  return totals;
}
