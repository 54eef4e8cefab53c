import { FieldValue, type DocumentReference, type Timestamp, type Transaction } from "firebase-admin/firestore";
import { firestore, isFailedPrecondition } from "../shared/firestore";
import { firstShard, planDraw, splitStock, type Draw } from "../model/stock-shards";
import type { StockDraw } from "../model/order";
import { productRef } from "./products";

/**
 * `vendors/{vendorId}/products/{productId}/stock_shards/{k}`: `{units}`, the part of the product's
 * stock that shard k holds (README, "Stock during a live"). Reservations draw from shards, releases
 * give back to the shards drawn from, and the product's `stock` is the operator's view of their sum:
 * an operator's edit of it is spread over the shards again (`stockSync.stock` is the value last
 * spread or summed, so an edit is a `stock` that differs from it).
 */
export function shardRef(vendorId: string, productId: string, shard: number): DocumentReference {
  return productRef(vendorId, productId).collection("stock_shards").doc(String(shard));
}

export interface StockSync {
  /** The `stock` value the shards were last spread from or summed to. */
  stock: number;
  shards: number;
}

/** The product's shard bookkeeping, or undefined when its stock was never spread (it is still the truth). */
export function stockSyncOf(data: Record<string, unknown> | undefined): StockSync | undefined {
  const sync = data?.stockSync as Record<string, unknown> | undefined;
  if (!sync || typeof sync.stock !== "number" || typeof sync.shards !== "number" || sync.shards < 1) return undefined;
  return { stock: sync.stock, shards: sync.shards };
}

function isStock(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

type Write = (tx: Transaction) => void;

/**
 * The stock one decision draws, alongside its transaction: reads first, writes later (`write`, after
 * every read of the transaction). The shards are read outside the transaction (the buyer's own shard,
 * then the others when it holds too little), and each shard drawn from is written on the condition that
 * it has not changed since it was read: the commit fails (FAILED_PRECONDITION) when another buyer drew
 * from it meanwhile, and the caller decides again on fresh reads. Read in the transaction, shards
 * would be locked: buyers reading the same shard would each wait to write it until the others gave up
 * (seconds per clash in a rush), and a sold-out buyer would hold every shard. The product document is
 * read in the transaction only for a product whose stock was never spread, which is spread here, in
 * the same transaction.
 */
export class StockDrawer {
  /** What each shard of a product holds, as read (undefined: not read yet). */
  private readonly shards = new Map<string, Array<ShardRead | undefined>>();
  private readonly dirty = new Map<string, Set<number>>();
  private readonly seeds = new Map<string, number>();

  constructor(
    private readonly tx: Transaction,
    private readonly vendorId: string,
  ) {}

  /**
   * Draws `quantity` units of a product for `customer`. `shards`: how many shards the catalogue says the
   * product's stock is spread over (undefined: not spread, as far as the catalogue knows).
   */
  async draw(
    productId: string,
    customer: string,
    quantity: number,
    shards: number | undefined,
  ): Promise<{ ok: true; draws: Draw[] } | { ok: false; available: number }> {
    let read = this.shards.get(productId);
    if (!read) {
      read = shards ? new Array<ShardRead | undefined>(shards).fill(undefined) : await this.readOrSpread(productId);
      this.shards.set(productId, read);
    }
    const start = firstShard(customer, productId, read.length);
    if (!read[start]) await this.readShards(productId, read, [start]);
    if (read[start]!.units < quantity)
      await this.readShards(
        productId,
        read,
        read.flatMap((shard, k) => (shard ? [] : [k])),
      );
    const plan = planDraw(
      read.map((shard) => shard?.units ?? 0),
      start,
      quantity,
    );
    if (!plan.ok) return plan;
    const dirty = this.dirty.get(productId) ?? new Set<number>();
    for (const draw of plan.draws) {
      read[draw.shard]!.units -= draw.quantity;
      dirty.add(draw.shard);
    }
    this.dirty.set(productId, dirty);
    return plan;
  }

  /** Gives back what `draw` took for a reservation that did not go through (another item was short). */
  putBack(draws: ReadonlyArray<{ productId: string; shard: number; quantity: number }>): void {
    for (const draw of draws) {
      const shard = this.shards.get(draw.productId)?.[draw.shard];
      if (shard) shard.units += draw.quantity;
    }
  }

  /** The products whose shards this decision changes (their `stock` view is refreshed after the commit). */
  get changed(): string[] {
    return [...this.dirty.keys()];
  }

  /** The shard writes; call once every read of the transaction is done. */
  write(tx: Transaction): void {
    for (const [productId, stock] of this.seeds) {
      const read = this.shards.get(productId)!;
      tx.update(productRef(this.vendorId, productId), {
        stockSync: { stock, shards: read.length, at: FieldValue.serverTimestamp() },
      });
      read.forEach((shard, k) => tx.set(shardRef(this.vendorId, productId, k), { units: shard!.units }));
    }
    for (const [productId, drawn] of this.dirty) {
      if (this.seeds.has(productId)) continue;
      const read = this.shards.get(productId)!;
      for (const k of drawn) {
        const { units, updateTime } = read[k]!;
        // Only a shard that held units is drawn from, so it exists and has an update time.
        tx.update(shardRef(this.vendorId, productId, k), { units }, { lastUpdateTime: updateTime! });
      }
    }
  }

  private async readShards(productId: string, read: Array<ShardRead | undefined>, shards: number[]): Promise<void> {
    if (shards.length === 0) return;
    const snaps = await firestore().getAll(...shards.map((k) => shardRef(this.vendorId, productId, k)));
    snaps.forEach((snap, index) => {
      read[shards[index]!] = { units: unitsIn(snap), ...(snap.updateTime && { updateTime: snap.updateTime }) };
    });
  }

  /** A product the catalogue does not show spread: spread now unless it was meanwhile (then its shards are read as usual). */
  private async readOrSpread(productId: string): Promise<Array<ShardRead | undefined>> {
    const product = await this.tx.get(productRef(this.vendorId, productId));
    const sync = stockSyncOf(product.data());
    if (sync) return new Array<ShardRead | undefined>(sync.shards).fill(undefined);
    const stock: unknown = product.get("stock");
    const seeded = isStock(stock) ? stock : 0;
    if (product.exists) this.seeds.set(productId, seeded);
    return splitStock(product.exists ? seeded : 0).map((units) => ({ units }));
  }
}

/** How often a transaction drawing stock runs again after its commit found a shard drawn from meanwhile. */
const STALE_STOCK_TRIES = 10;

/**
 * Runs `work` (a transaction with a `StockDrawer`) again while its commit is refused because a shard
 * it drew from changed since it read it (FAILED_PRECONDITION): another buyer drew first, and the next
 * run reads what is left. A decision has its own loop for this (`decideOnce`, with its ordering read).
 */
export async function withFreshStock<T>(work: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await work();
    } catch (error) {
      if (!isFailedPrecondition(error) || tries >= STALE_STOCK_TRIES) throw error;
    }
  }
}

/** A shard as a draw read it: its units, and when it last changed (undefined: it does not exist yet). */
interface ShardRead {
  units: number;
  updateTime?: Timestamp;
}

function unitsIn(snap: { exists: boolean; get(field: string): unknown }): number {
  const units = snap.exists ? snap.get("units") : 0;
  return typeof units === "number" && units > 0 ? units : 0;
}

/**
 * Reads what giving an order's items back needs (call before any write of the transaction) and returns
 * the writes: each unit goes back to the shard it was drawn from. An order reserved before its product's
 * stock was spread gives back to the product's `stock` (not spread yet) or to its first shard; products
 * that no longer exist are skipped, never recreated.
 */
export async function prepareStockRelease(
  tx: Transaction,
  vendorId: string,
  items: ReadonlyArray<{ productId: string; quantity: number }>,
  draws: readonly StockDraw[] | undefined,
): Promise<{ write: Write; products: string[] }> {
  if (draws && draws.length > 0) {
    // Drawn from shards: increments need no read, and a shard is never below what it gave.
    return {
      products: [...new Set(draws.map((draw) => draw.productId))],
      write: (write) => {
        for (const draw of draws)
          write.set(
            shardRef(vendorId, draw.productId, draw.shard),
            { units: FieldValue.increment(draw.quantity) },
            { merge: true },
          );
      },
    };
  }
  const refs = items.map((item) => productRef(vendorId, item.productId));
  const snaps = refs.length > 0 ? await tx.getAll(...refs) : [];
  return {
    products: items.map((item) => item.productId),
    write: (write) => {
      items.forEach((item, index) => {
        const snap = snaps[index]!;
        if (!snap.exists) return;
        if (stockSyncOf(snap.data()))
          write.set(
            shardRef(vendorId, item.productId, 0),
            { units: FieldValue.increment(item.quantity) },
            { merge: true },
          );
        else write.update(refs[index]!, { stock: FieldValue.increment(item.quantity) });
      });
    },
  };
}

/**
 * An operator's edit of `stock` (or a new product) spread over the shards: the edit says how many units
 * are on sale now. Nothing happens when `stock` is what was last spread or summed; false too when the
 * product changed since it was read (that write's own trigger spreads what it holds).
 *
 * One batch, not a transaction: Firestore makes a write wait for the transactions that have read the
 * document (or fails them, and they are made again on the new units), so a reservation that read a shard
 * before the spread never writes its old count over it; and a spread that reads nothing is never the
 * transaction aborted and retried behind a rush's reservations (in the emulator that took over 10 s).
 */
export async function spreadStock(vendorId: string, productId: string): Promise<boolean> {
  const ref = productRef(vendorId, productId);
  const snap = await ref.get();
  const stock: unknown = snap.get("stock");
  if (!snap.exists || !isStock(stock)) return false;
  const sync = stockSyncOf(snap.data());
  if (sync && sync.stock === stock) return false;
  const units = splitStock(stock);
  const batch = firestore().batch();
  units.forEach((n, shard) => batch.set(shardRef(vendorId, productId, shard), { units: n }));
  batch.update(
    ref,
    { stockSync: { stock, shards: units.length, at: FieldValue.serverTimestamp() } },
    { lastUpdateTime: snap.updateTime! },
  );
  try {
    await batch.commit();
    return true;
  } catch (error) {
    if (isFailedPrecondition(error)) return false;
    throw error;
  }
}

/**
 * The product's `stock` set to what its shards hold, so cards and the console show it (the product
 * document in a transaction, so an operator's edit made meanwhile is never overwritten). Left alone
 * while an operator's edit waits to be spread (`stock` differs from `stockSync.stock`): the edit wins.
 */
export async function refreshStockView(vendorId: string, productId: string): Promise<number | undefined> {
  const ref = productRef(vendorId, productId);
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const sync = stockSyncOf(snap.data());
    if (!snap.exists || !sync || snap.get("stock") !== sync.stock) return undefined;
    // The shards are read outside the transaction: holding every one of them would make each
    // reservation of a rush wait for the refresh. A shard that changes after this read asks for a
    // refresh of its own once its decision commits, so the view catches up with the last change.
    const shards = await firestore().getAll(
      ...Array.from({ length: sync.shards }, (_, shard) => shardRef(vendorId, productId, shard)),
    );
    const sum = shards.reduce((total, shard) => total + unitsIn(shard), 0);
    // `stockSync.at` stays the last spread's time: when the operator's number took effect.
    if (sum !== sync.stock) tx.update(ref, { stock: sum, "stockSync.stock": sum });
    return sum;
  });
}

/** The units on sale now: what the shards hold, or the product's `stock` before it was spread. */
export async function availableStock(vendorId: string, productId: string): Promise<number> {
  const snap = await productRef(vendorId, productId).get();
  const sync = stockSyncOf(snap.data());
  if (!sync) return isStock(snap.get("stock")) ? (snap.get("stock") as number) : 0;
  const shards = await firestore().getAll(
    ...Array.from({ length: sync.shards }, (_, shard) => shardRef(vendorId, productId, shard)),
  );
  return shards.reduce((total, shard) => total + unitsIn(shard), 0);
}
