import { randomInt } from "node:crypto";
import { dakarDay } from "../orders/orders-csv";

/**
 * What the live page counts of a vendor's orders, kept as counters the order trigger updates, so a
 * refresh reads a few documents instead of the day's orders (docs/live.md). The counts of
 * a day are those of the orders created that Dakar day (UTC all year), whatever their status is now.
 * Pure: no Firestore here.
 *
 * Each change is added to one of LIVE_COUNTER_SHARDS documents of its day, taken in turn by each function
 * instance (from a random start): a rush's changes spread evenly over them, where a random pick would
 * load some twice as much (Firestore sustains about one write a second per document). A sum does not
 * care which document holds which part.
 */
export const LIVE_COUNTER_SHARDS = 64;

/** The statuses whose units are counted per product (an expired or cancelled order holds none). */
const UNIT_STATUSES = new Set(["reserved", "paid"]);

/** A counter's path in its document (`products`, productId, `paid`): nested maps, so any product id is a key. */
export type CounterPath = readonly string[];

/** The increments one order change makes, per day (the Dakar date the order was created). */
export type CounterDeltas = Map<string, Array<{ path: CounterPath; by: number }>>;

let nextShard = randomInt(LIVE_COUNTER_SHARDS);

/** The shard the next change of this instance goes to: each in turn. */
export function takeCounterShard(): number {
  const shard = nextShard;
  nextShard = (nextShard + 1) % LIVE_COUNTER_SHARDS;
  return shard;
}

export function counterDocId(day: string, shard: number): string {
  return `${day}_${shard}`;
}

/** "1432": the minute of an instant, Dakar time. */
export function minuteKey(at: Date): string {
  return at.toISOString().slice(11, 16).replace(":", "");
}

function createdAtOf(data: Record<string, unknown> | undefined): Date | undefined {
  const value = data?.createdAt as { toDate?: () => Date } | undefined;
  const date = typeof value?.toDate === "function" ? value.toDate() : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** What one order, as stored, adds to the counters (nothing for a document that is not an order). */
function contributions(data: Record<string, unknown> | undefined): CounterDeltas {
  const out: CounterDeltas = new Map();
  const createdAt = createdAtOf(data);
  const status = data?.status;
  if (!data || !createdAt || typeof status !== "string") return out;
  const total = typeof data.total === "number" && Number.isFinite(data.total) ? data.total : 0;
  const list: Array<{ path: CounterPath; by: number }> = [
    { path: ["orders"], by: 1 },
    { path: ["minutes", minuteKey(createdAt)], by: 1 },
    { path: ["status", status, "count"], by: 1 },
    { path: ["status", status, "amount"], by: total },
  ];
  if (UNIT_STATUSES.has(status) && Array.isArray(data.items)) {
    for (const item of data.items as Array<Record<string, unknown>>) {
      const quantity = item?.quantity;
      if (typeof item?.productId === "string" && typeof quantity === "number" && Number.isFinite(quantity))
        list.push({ path: ["products", item.productId, status], by: quantity });
    }
  }
  out.set(dakarDay(createdAt), list);
  return out;
}

/**
 * The increments an order's change makes: what it adds now less what it added before. A write that
 * changes no counted field (a notice recorded, a checkout made) gives none.
 */
export function counterDeltas(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): CounterDeltas {
  const sums = new Map<string, Map<string, { path: CounterPath; by: number }>>();
  const add = (deltas: CounterDeltas, sign: number) => {
    for (const [day, list] of deltas) {
      const fields = sums.get(day) ?? new Map<string, { path: CounterPath; by: number }>();
      for (const { path, by } of list) {
        const key = JSON.stringify(path);
        const current = fields.get(key);
        fields.set(key, { path, by: (current?.by ?? 0) + sign * by });
      }
      sums.set(day, fields);
    }
  };
  add(contributions(after), 1);
  add(contributions(before), -1);
  const out: CounterDeltas = new Map();
  for (const [day, fields] of sums) {
    const changed = [...fields.values()].filter(({ by }) => by !== 0);
    if (changed.length > 0) out.set(day, changed);
  }
  return out;
}

/** The counters of a day (or two), summed over their shards. */
export interface LiveTotals {
  orders: number;
  /** Orders created per minute: "2026-12-07 1432" → count. */
  minutes: Map<string, number>;
  status: Record<string, { count: number; amount: number }>;
  products: Record<string, { reserved: number; paid: number }>;
}

const numberIn = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** Sums counter documents as stored (`day` names each one's day). */
export function sumCounters(docs: ReadonlyArray<Record<string, unknown> | undefined>): LiveTotals {
  const totals: LiveTotals = { orders: 0, minutes: new Map(), status: {}, products: {} };
  for (const doc of docs) {
    if (!doc) continue;
    totals.orders += numberIn(doc.orders);
    const day = typeof doc.day === "string" ? doc.day : "";
    for (const [minute, count] of Object.entries((doc.minutes ?? {}) as Record<string, unknown>)) {
      const key = `${day} ${minute}`;
      totals.minutes.set(key, (totals.minutes.get(key) ?? 0) + numberIn(count));
    }
    for (const [status, value] of Object.entries((doc.status ?? {}) as Record<string, Record<string, unknown>>)) {
      const bucket = (totals.status[status] ??= { count: 0, amount: 0 });
      bucket.count += numberIn(value?.count);
      bucket.amount += numberIn(value?.amount);
    }
    for (const [productId, value] of Object.entries((doc.products ?? {}) as Record<string, Record<string, unknown>>)) {
      const bucket = (totals.products[productId] ??= { reserved: 0, paid: 0 });
      bucket.reserved += numberIn(value?.reserved);
      bucket.paid += numberIn(value?.paid);
    }
  }
  return totals;
}
