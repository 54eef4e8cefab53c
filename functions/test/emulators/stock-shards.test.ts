import { describe, expect, it } from "vitest";
import { adminDb, eventually, sleep, uniqueId } from "../support/emulators";
import { reserveRobe, reserveRobeOrAborted, buyerPhone } from "../support/stock-reservations";
import { FirestoreShop } from "../../src/store/shop-firestore";
import { firestore } from "../../src/shared/firestore";
import {
  availableStock,
  refreshStockView,
  shardRef,
  spreadStock,
  StockDrawer,
  withFreshStock,
} from "../../src/store/stock-shards";
import { expireReservation } from "../../src/orders/order-lifecycle";
import { textBook } from "../../src/engine/wording";
import { firstShard, STOCK_SHARD_COUNT } from "../../src/model/stock-shards";

// A product's stock held in shards, against the emulator: reservations through the decision's port,
// an operator's edits through the product document (spread by the product trigger).

const db = adminDb();
const products = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("products");
const ordersOf = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("orders");

async function vendorWithProduct(stock: number): Promise<string> {
  const vendorId = uniqueId("stock");
  await products(vendorId)
    .doc("robe")
    .set({ keyword: "ROBE1", name: "Robe", price: 1000, currency: "XOF", active: true, stock });
  // Spread by its trigger; spreading here too is harmless (it does nothing once spread).
  await spreadStock(vendorId, "robe");
  return vendorId;
}

async function shardUnits(vendorId: string): Promise<number[]> {
  const snaps = await db.getAll(...Array.from({ length: STOCK_SHARD_COUNT }, (_, k) => shardRef(vendorId, "robe", k)));
  return snaps.map((snap) => (snap.exists ? (snap.get("units") as number) : 0));
}

describe("stock held in shards (emulators)", () => {
  it("never oversells: 40 concurrent buyers for 25 units spread over the shards get exactly 25, each order drawn from shards", async () => {
    const vendorId = await vendorWithProduct(25);
    expect((await shardUnits(vendorId)).reduce((a, b) => a + b, 0)).toBe(25);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => reserveRobeOrAborted(vendorId, buyerPhone(i))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(25);
    const shortages = results.filter((r) => !r.ok && !("aborted" in r));
    for (const refused of shortages)
      expect(refused).toMatchObject({ ok: false, shortages: [{ productId: "robe", available: expect.any(Number) }] });
    expect(await shardUnits(vendorId)).toEqual(new Array(STOCK_SHARD_COUNT).fill(0));
    const orders = await ordersOf(vendorId).get();
    expect(orders.size).toBe(25);
    for (const order of orders.docs) {
      const draws = order.get("stockDraws") as Array<{ shard: number; quantity: number }>;
      expect(draws.reduce((sum, draw) => sum + draw.quantity, 0)).toBe(1);
    }
  }, 60_000);

  it("takes an operator's stock edit during a rush: what is on sale afterwards is the new stock less what was reserved after it", async () => {
    const vendorId = await vendorWithProduct(30);
    const rush = Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await sleep(i * 40);
        return reserveRobeOrAborted(vendorId, buyerPhone(i));
      }),
    );
    await sleep(600);
    // The console edit: one number on the product document.
    await products(vendorId).doc("robe").update({ stock: 12 });
    const results = await rush;
    const spread = await eventually(
      async () => {
        const snap = await products(vendorId).doc("robe").get();
        return snap.get("stockSync.stock") === 12 && snap.get("stock") === 12 ? snap : undefined;
      },
      // The spread waits for the reservations that hold its shards; on a loaded machine, the trigger's
      // start too.
      30_000,
      "the edit spread over the shards",
    );
    // When the spread took effect: its commit (nothing else writes the product here). Not `stockSync.at`:
    // the emulator stamps a write that waits for locks with its arrival time.
    const spreadAt = spread.updateTime!.toMillis();
    const orders = await ordersOf(vendorId).get();
    expect(orders.size).toBe(results.filter((r) => r.ok).length);
    const reservedAfter = orders.docs.filter((order) => order.createTime.toMillis() > spreadAt).length;
    const onSale = await availableStock(vendorId, "robe");
    expect(onSale).toBe(12 - reservedAfter);
    expect(Math.min(...(await shardUnits(vendorId)))).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it("gives stock back exactly once, to the shards it came from, on a cancel and on an expiry", async () => {
    const vendorId = await vendorWithProduct(6);
    const before = await shardUnits(vendorId);
    const kept = await reserveRobe(vendorId, buyerPhone(1), 2);
    const cancelled = await reserveRobe(vendorId, buyerPhone(2), 2);
    const expiring = await reserveRobe(vendorId, buyerPhone(3), 1, new Date(Date.now() - 1_000));
    expect(kept.ok && cancelled.ok && expiring.ok).toBe(true);
    if (!kept.ok || !cancelled.ok || !expiring.ok) return;
    expect(await availableStock(vendorId, "robe")).toBe(1);

    const cancel = () =>
      firestore().runTransaction(async (tx) => {
        const shop = new FirestoreShop(tx, vendorId, "waba_test", new Date());
        const result = await shop.cancelReservation(buyerPhone(2), cancelled.order.reference);
        shop.apply(tx);
        return result;
      });
    expect((await cancel())?.status).toBe("cancelled");
    expect(await cancel()).toBeUndefined();
    expect(await availableStock(vendorId, "robe")).toBe(3);

    const texts = { t: textBook("fr"), shop: "Shop" };
    const ref = ordersOf(vendorId).doc(expiring.order.reference);
    expect((await expireReservation(ref, new Date(), texts)).expired).toBe(true);
    expect((await expireReservation(ref, new Date(), texts)).expired).toBe(false);
    expect(await availableStock(vendorId, "robe")).toBe(4);

    // Each shard holds what it started with, less only the order still reserved.
    const keptDraws = (await ordersOf(vendorId).doc(kept.order.reference).get()).get("stockDraws") as Array<{
      shard: number;
      quantity: number;
    }>;
    const expected = [...before];
    for (const draw of keptDraws) expected[draw.shard]! -= draw.quantity;
    expect(await shardUnits(vendorId)).toEqual(expected);
  }, 60_000);

  it("refreshes the product's stock view from its shards, and leaves an operator's edit waiting to be spread alone", async () => {
    const vendorId = await vendorWithProduct(10);
    for (let i = 0; i < 3; i++) expect((await reserveRobe(vendorId, buyerPhone(i))).ok).toBe(true);
    expect((await products(vendorId).doc("robe").get()).get("stock")).toBe(10);
    expect(await refreshStockView(vendorId, "robe")).toBe(7);
    expect((await products(vendorId).doc("robe").get()).data()).toMatchObject({ stock: 7, stockSync: { stock: 7 } });

    await products(vendorId).doc("robe").update({ stock: 20 });
    await refreshStockView(vendorId, "robe");
    expect((await products(vendorId).doc("robe").get()).get("stock")).toBe(20);
    await eventually(
      async () => ((await availableStock(vendorId, "robe")) === 20 ? true : undefined),
      15_000,
      "the edit spread",
    );
  }, 60_000);

  it("spreads a new product's stock through its trigger, and reserves a product no trigger spread yet", async () => {
    const vendorId = uniqueId("stock");
    await products(vendorId)
      .doc("robe")
      .set({ keyword: "ROBE1", name: "Robe", price: 1000, currency: "XOF", active: true, stock: 7 });
    await eventually(
      async () => ((await products(vendorId).doc("robe").get()).get("stockSync.stock") === 7 ? true : undefined),
      15_000,
      "spread by the trigger",
    );
    expect((await shardUnits(vendorId)).reduce((a, b) => a + b, 0)).toBe(7);

    // A product written and reserved at once: the reservation spreads it in its own transaction.
    const other = uniqueId("stock");
    await products(other)
      .doc("robe")
      .set({ keyword: "ROBE1", name: "Robe", price: 1000, currency: "XOF", active: true, stock: 2 });
    const results = await Promise.all([
      reserveRobe(other, buyerPhone(1)),
      reserveRobe(other, buyerPhone(2)),
      reserveRobe(other, buyerPhone(3)),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(await availableStock(other, "robe")).toBe(0);
  }, 60_000);

  describe("a draw against other buyers", () => {
    /** A buyer whose own shard is not among `avoid`. */
    const buyerAvoiding = (avoid: number[], from = 0) => {
      for (let i = from; ; i++) if (!avoid.includes(firstShard(buyerPhone(i), "robe"))) return buyerPhone(i);
    };

    /** Draws one unit for `customer` in a transaction; `beforeCommit` runs once the draw is planned. */
    const drawOne = (vendorId: string, customer: string, beforeCommit: () => Promise<void> = async () => {}) =>
      firestore().runTransaction(
        async (tx) => {
          const drawer = new StockDrawer(tx, vendorId);
          const drawn = await drawer.draw("robe", customer, 1, STOCK_SHARD_COUNT);
          await beforeCommit();
          drawer.write(tx);
          return drawn;
        },
        { maxAttempts: 1 },
      );

    it("holds no shard while it decides: another buyer's write to the shard it read commits at once", async () => {
      // One unit, on shard 0; the buyer's own shard is another, empty one, then shard 0 is read too.
      const vendorId = await vendorWithProduct(1);
      const customer = buyerAvoiding([0]);
      const own = firstShard(customer, "robe");
      let written = false;
      const drawn = await drawOne(vendorId, customer, async () => {
        // Another buyer's transaction writes the buyer's own (read) shard while the draw is still open:
        // with the shard locked by the draw it would wait, and both would give up.
        await firestore().runTransaction(
          async (tx) => {
            const snap = await tx.get(shardRef(vendorId, "robe", own));
            tx.set(snap.ref, { units: 0 });
          },
          { maxAttempts: 1 },
        );
        written = true;
      });
      expect(written).toBe(true);
      expect(drawn).toEqual({ ok: true, draws: [{ shard: 0, quantity: 1 }] });
      expect(await shardUnits(vendorId)).toEqual(new Array(STOCK_SHARD_COUNT).fill(0));
    });

    it("never draws a unit another buyer drew since it read the shard: its commit is refused, and a fresh run finds it sold out", async () => {
      const vendorId = await vendorWithProduct(1);
      const customer = buyerAvoiding([0]);
      const stale = drawOne(vendorId, customer, async () => {
        // Another buyer takes the unit between this draw's read and its commit.
        await shardRef(vendorId, "robe", 0).set({ units: 0 });
      });
      await expect(stale).rejects.toMatchObject({ code: 9 });
      expect(await shardUnits(vendorId)).toEqual(new Array(STOCK_SHARD_COUNT).fill(0));
      expect(await withFreshStock(() => drawOne(vendorId, customer))).toEqual({ ok: false, available: 0 });
    });
  });
});
