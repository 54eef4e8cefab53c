import { createHash } from "node:crypto";

/**
 * A product's stock is held in shards (`vendors/{vendorId}/products/{productId}/stock_shards/{k}`) so
 * that a live rush's reservations spread over several documents instead of queueing on one: Firestore
 * sustains about one write a second per document and aborts overlapping transactions on it. Pure: no
 * Firestore here.
 */
/**
 * Twenty: a rush's reservations draw about stock / 20 units from each shard (5 of 100), so no shard is
 * written more than a few times in the seconds a live sells out (measured in the rush benchmark).
 */
export const STOCK_SHARD_COUNT = 20;

/** `stock` units spread over `count` shards as evenly as possible, the remainder on the first ones. */
export function splitStock(stock: number, count = STOCK_SHARD_COUNT): number[] {
  const base = Math.floor(stock / count);
  const extra = stock % count;
  return Array.from({ length: count }, (_, k) => base + (k < extra ? 1 : 0));
}

/**
 * The shard a buyer draws from first: fixed per buyer and product, so the buyers of a rush spread
 * evenly over the shards, and a retried transaction goes back to the same one.
 */
export function firstShard(customer: string, productId: string, count = STOCK_SHARD_COUNT): number {
  return createHash("sha256").update(`${customer}\n${productId}`).digest().readUInt32BE(0) % count;
}

export interface Draw {
  shard: number;
  quantity: number;
}

export type DrawPlan = { ok: true; draws: Draw[] } | { ok: false; available: number };

/**
 * Which shards give `quantity` units, starting at `start` and going round (pure). `units[k]` is what
 * shard k holds (a missing shard holds nothing). Short when all the shards together hold less.
 */
export function planDraw(units: readonly number[], start: number, quantity: number): DrawPlan {
  const draws: Draw[] = [];
  let missing = quantity;
  for (let step = 0; step < units.length && missing > 0; step++) {
    const shard = (start + step) % units.length;
    const take = Math.min(Math.max(0, units[shard] ?? 0), missing);
    if (take > 0) draws.push({ shard, quantity: take });
    missing -= take;
  }
  if (missing > 0) return { ok: false, available: units.reduce((sum, n) => sum + Math.max(0, n), 0) };
  return { ok: true, draws };
}
