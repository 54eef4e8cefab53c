import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { adminDb, uniqueId } from "../support/emulators";
import { FirestoreShop } from "../../src/store/shop-firestore";
import { firestore } from "../../src/shared/firestore";
import { dueReservations } from "../../src/store/orders";
import { readActiveProductsCached } from "../../src/store/products";
import { availableStock, withFreshStock } from "../../src/store/stock-shards";

// The engine's port backed by Firestore, against the emulator, outside any function.

const db = adminDb();
const NOW = new Date();
const link = ({ reference, amount }: { reference: string; amount: number }) =>
  `https://pay.test/${reference}?amount=${amount}`;

async function vendorWith(products: Record<string, Record<string, unknown>>) {
  const vendorId = uniqueId("shop");
  for (const [id, data] of Object.entries(products)) {
    await db
      .collection("vendors")
      .doc(vendorId)
      .collection("products")
      .doc(id)
      .set({ currency: "XOF", active: true, ...data });
  }
  return vendorId;
}

/** Runs port operations in one transaction and commits their buffered writes, as a decision does. */
/** A shop transaction, run again on fresh reads when another buyer drew from the same shard first (as decisions do). */
function inTransaction<T>(vendorId: string, run: (shop: FirestoreShop) => Promise<T>): Promise<T> {
  return withFreshStock(() =>
    firestore().runTransaction(async (tx) => {
      const shop = new FirestoreShop(tx, vendorId, "waba_test", NOW);
      const result = await run(shop);
      shop.apply(tx);
      return result;
    }),
  );
}

const product = (vendorId: string, id: string) => db.collection("vendors").doc(vendorId).collection("products").doc(id);

describe("FirestoreShop", () => {
  it("reads active products and any product by id", async () => {
    const vendorId = await vendorWith({
      a: { keyword: "A1", name: "A", price: 100, stock: 1 },
      b: { keyword: "B1", name: "B", price: 200, stock: 1, active: false },
      bad: { keyword: "", name: "?" },
    });
    const shop = await inTransaction(vendorId, async (s) => ({
      active: await s.activeProducts(),
      b: await s.product("b"),
      none: await s.product("zzz"),
    }));
    expect(shop.active.map((p) => p.id)).toEqual(["a"]);
    expect(shop.b).toMatchObject({ id: "b", active: false });
    expect(shop.none).toBeUndefined();
  });

  it("reuses a vendor's catalogue for 3 s, then reads it again", async () => {
    const vendorId = await vendorWith({ a: { keyword: "A1", name: "A", price: 100, stock: 4 } });
    const t0 = Date.now();
    expect((await readActiveProductsCached(vendorId, t0))[0]!.stock).toBe(4);
    await product(vendorId, "a").update({ stock: 1 });
    expect((await readActiveProductsCached(vendorId, t0 + 2_999))[0]!.stock).toBe(4);
    expect((await readActiveProductsCached(vendorId, t0 + 3_000))[0]!.stock).toBe(1);
  });

  it("reserves in one transaction: stock taken, order created with its link and expiry", async () => {
    const vendorId = await vendorWith({
      a: { keyword: "A1", name: "A", price: 1500, stock: 4 },
      b: { keyword: "B1", name: "B", price: 200, stock: 1 },
    });
    const expiresAt = new Date(NOW.getTime() + 600_000);
    const result = await inTransaction(vendorId, (shop) =>
      shop.reserve({
        customer: "+221770000001",
        customerName: "Awa",
        items: [
          { productId: "a", quantity: 3 },
          { productId: "b", quantity: 1 },
        ],
        expiresAt,
        paymentLink: link,
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.order).toMatchObject({
      total: 4700,
      status: "reserved",
      paymentLink: `https://pay.test/${result.order.reference}?amount=4700`,
    });
    expect(await availableStock(vendorId, "a")).toBe(1);
    expect(await availableStock(vendorId, "b")).toBe(0);
    const order = (
      await db.collection("vendors").doc(vendorId).collection("orders").doc(result.order.reference).get()
    ).data()!;
    expect(order).toMatchObject({
      customer: "+221770000001",
      customerName: "Awa",
      wabaInstanceId: "waba_test",
      stockHeld: true,
      status: "reserved",
    });
    expect((order.expiresAt as Timestamp).toMillis()).toBe(expiresAt.getTime());
  });

  it("refuses a reservation beyond stock or of an inactive product, changing nothing", async () => {
    const vendorId = await vendorWith({
      a: { keyword: "A1", name: "A", price: 1, stock: 2 },
      off: { keyword: "O1", name: "Off", price: 1, stock: 9, active: false },
    });
    const result = await inTransaction(vendorId, (shop) =>
      shop.reserve({
        customer: "+221770000001",
        items: [
          { productId: "a", quantity: 3 },
          { productId: "off", quantity: 1 },
        ],
        expiresAt: NOW,
        paymentLink: link,
      }),
    );
    expect(result).toEqual({
      ok: false,
      shortages: [
        { productId: "a", name: "A", available: 2 },
        { productId: "off", name: "Off", available: 0 },
      ],
    });
    expect(await availableStock(vendorId, "a")).toBe(2);
    expect((await db.collection("vendors").doc(vendorId).collection("orders").get()).size).toBe(0);
  });

  it("never oversells: 12 concurrent buyers for 3 units get exactly 3 orders", async () => {
    const vendorId = await vendorWith({ last: { keyword: "L1", name: "Last", price: 1000, stock: 3 } });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        inTransaction(vendorId, (shop) =>
          shop.reserve({
            customer: `+22177000${String(i).padStart(4, "0")}`,
            items: [{ productId: "last", quantity: 1 }],
            expiresAt: NOW,
            paymentLink: link,
          }),
        ),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(await availableStock(vendorId, "last")).toBe(0);
    const orders = await db.collection("vendors").doc(vendorId).collection("orders").get();
    expect(orders.size).toBe(3);
    expect(new Set(orders.docs.map((d) => d.id)).size).toBe(3);
  }, 60_000);

  it("lists a buyer's orders newest first, cancels only its own reserved ones, and gives stock back once", async () => {
    const vendorId = await vendorWith({ a: { keyword: "A1", name: "A", price: 100, stock: 5 } });
    const reserve = (customer: string, at: number) =>
      firestore().runTransaction(async (tx) => {
        const shop = new FirestoreShop(tx, vendorId, "waba_test", new Date(NOW.getTime() + at));
        const result = await shop.reserve({
          customer,
          items: [{ productId: "a", quantity: 1 }],
          expiresAt: NOW,
          paymentLink: link,
        });
        shop.apply(tx);
        return result.ok ? result.order.reference : "";
      });
    const older = await reserve("+221770000001", 0);
    const newer = await reserve("+221770000001", 1000);
    const someoneElse = await reserve("+221770000002", 2000);
    const listed = await inTransaction(vendorId, (shop) => shop.ordersOf("+221770000001", 5));
    expect(listed.map((o) => o.reference)).toEqual([newer, older]);

    expect(
      await inTransaction(vendorId, (shop) => shop.cancelReservation("+221770000001", someoneElse)),
    ).toBeUndefined();
    expect((await inTransaction(vendorId, (shop) => shop.cancelReservation("+221770000001", older)))?.status).toBe(
      "cancelled",
    );
    expect(await inTransaction(vendorId, (shop) => shop.cancelReservation("+221770000001", older))).toBeUndefined();
    expect(await availableStock(vendorId, "a")).toBe(3);
    const cancelled = (await db.collection("vendors").doc(vendorId).collection("orders").doc(older).get()).data()!;
    expect(cancelled).toMatchObject({ status: "cancelled", stockHeld: false, cancelledBy: "customer" });
  });

  it("resumes a paused conversation only", async () => {
    const vendorId = await vendorWith({});
    const conversations = db.collection("vendors").doc(vendorId).collection("conversations");
    await conversations.doc("+221770000001").set({ botPaused: true });
    expect(await inTransaction(vendorId, (shop) => shop.resumeBot("+221770000001"))).toBe(true);
    expect((await conversations.doc("+221770000001").get()).get("botPaused")).toBe(false);
    expect(await inTransaction(vendorId, (shop) => shop.resumeBot("+221770000001"))).toBe(false);
    expect(await inTransaction(vendorId, (shop) => shop.resumeBot("+221770000009"))).toBe(false);
  });

  it("finds reservations due for expiry across vendors, and only those", async () => {
    const vendorId = await vendorWith({ a: { keyword: "A1", name: "A", price: 100, stock: 5 } });
    const past = new Date(Date.now() - 60_000);
    const due = await inTransaction(vendorId, (shop) =>
      shop.reserve({
        customer: "+221770000001",
        items: [{ productId: "a", quantity: 1 }],
        expiresAt: past,
        paymentLink: link,
      }),
    );
    const later = await inTransaction(vendorId, (shop) =>
      shop.reserve({
        customer: "+221770000001",
        items: [{ productId: "a", quantity: 1 }],
        expiresAt: new Date(Date.now() + 600_000),
        paymentLink: link,
      }),
    );
    const paths = (await dueReservations(new Date(), 500)).map((ref) => ref.path);
    expect(due.ok && later.ok).toBe(true);
    if (!due.ok || !later.ok) return;
    expect(paths).toContain(`vendors/${vendorId}/orders/${due.order.reference}`);
    expect(paths).not.toContain(`vendors/${vendorId}/orders/${later.order.reference}`);
  });
});
