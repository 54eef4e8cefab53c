import { describe, expect, it } from "vitest";
import type { ReservationRequest, ShopPort } from "../../src/engine/chat-engine";
import type { Product } from "../../src/model/product";
import { firestore } from "../../src/shared/firestore";
import { FirestoreShop } from "../../src/store/shop-firestore";
import { adminDb, uniqueId } from "../support/emulators";
import { MemoryShop } from "../support/memory-shop";

/**
 * The engine's shop port has two implementations: the Firestore adapter the functions use, and the
 * in-memory shop the transcript tests use. The transcripts are only worth what the memory shop's
 * promises are, so the same cases run against both.
 */
interface ShopUnderTest {
  /** Runs port calls as one decision (for Firestore: one transaction, its writes committed after). */
  run<T>(work: (shop: ShopPort) => Promise<T>): Promise<T>;
  /** The owner paused the bot for this buyer (a handoff). */
  pause(customer: string): Promise<void>;
}

const db = adminDb();

const PRODUCTS: Product[] = [
  { id: "robe", keyword: "ROBE1", name: "Robe wax", price: 15000, currency: "XOF", stock: 4, active: true },
  { id: "sac", keyword: "SAC1", name: "Sac en cuir", price: 2500, currency: "XOF", stock: 1, active: true },
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

const implementations: Array<[string, () => Promise<ShopUnderTest>]> = [
  [
    "in memory",
    async () => {
      const shop = new MemoryShop(PRODUCTS);
      return {
        run: (work) => work(shop),
        pause: async (customer) => {
          shop.paused.add(customer);
        },
      };
    },
  ],
  [
    "on Firestore",
    async () => {
      const vendorId = uniqueId("contract");
      for (const { id, ...data } of PRODUCTS)
        await db.collection("vendors").doc(vendorId).collection("products").doc(id).set(data);
      return {
        run: (work) =>
          firestore().runTransaction(async (tx) => {
            const shop = new FirestoreShop(tx, vendorId, "waba_contract", new Date());
            const result = await work(shop);
            shop.apply(tx);
            return result;
          }),
        pause: async (customer) => {
          await db
            .collection("vendors")
            .doc(vendorId)
            .collection("conversations")
            .doc(customer)
            .set({ botPaused: true }, { merge: true });
        },
      };
    },
  ],
];

const BUYER = "+221770000101";
const OTHER = "+221770000102";
const link = ({ reference, amount }: { reference: string; amount: number }) =>
  `https://pay.test/${reference}?amount=${amount}`;
const request = (customer: string, items: ReservationRequest["items"]): ReservationRequest => ({
  customer,
  items,
  expiresAt: new Date(Date.now() + 600_000),
  paymentLink: link,
});

describe.each(implementations)("the shop port %s", (_, make) => {
  it("lists the active products, and finds any product by id, inactive too", async () => {
    const shop = await make();
    const found = await shop.run(async (s) => ({
      active: await s.activeProducts(),
      old: await s.product("ancien"),
      none: await s.product("zzz"),
    }));
    expect(found.active.map((p) => p.id).sort()).toEqual(["robe", "sac"]);
    expect(found.old).toMatchObject({ id: "ancien", active: false, name: "Ancienne collection" });
    expect(found.none).toBeUndefined();
  });

  it("reserves all or nothing: a shortage on one item takes nothing, and says what is available", async () => {
    const shop = await make();
    const refused = await shop.run((s) =>
      s.reserve(
        request(BUYER, [
          { productId: "robe", quantity: 2 },
          { productId: "sac", quantity: 2 },
          { productId: "ancien", quantity: 1 },
        ]),
      ),
    );
    expect(refused).toEqual({
      ok: false,
      shortages: [
        { productId: "sac", name: "Sac en cuir", available: 1 },
        { productId: "ancien", name: "Ancienne collection", available: 0 },
      ],
    });
    // Nothing was taken: the whole stock is still there.
    const all = await shop.run((s) =>
      s.reserve(
        request(BUYER, [
          { productId: "robe", quantity: 4 },
          { productId: "sac", quantity: 1 },
        ]),
      ),
    );
    expect(all.ok).toBe(true);
  });

  it("a reservation holds its stock, totals its items, carries its payment link, and never oversells", async () => {
    const shop = await make();
    const reserved = await shop.run((s) =>
      s.reserve(
        request(BUYER, [
          { productId: "robe", quantity: 3 },
          { productId: "sac", quantity: 1 },
        ]),
      ),
    );
    expect(reserved.ok).toBe(true);
    if (!reserved.ok) return;
    const order = reserved.order;
    expect(order).toMatchObject({
      total: 3 * 15000 + 2500,
      currency: "XOF",
      status: "reserved",
      paymentLink: `https://pay.test/${order.reference}?amount=47500`,
    });
    expect(order.items).toEqual([
      { productId: "robe", keyword: "ROBE1", name: "Robe wax", unitPrice: 15000, quantity: 3 },
      { productId: "sac", keyword: "SAC1", name: "Sac en cuir", unitPrice: 2500, quantity: 1 },
    ]);
    const more = await shop.run((s) => s.reserve(request(OTHER, [{ productId: "robe", quantity: 2 }])));
    expect(more).toEqual({ ok: false, shortages: [{ productId: "robe", name: "Robe wax", available: 1 }] });
  });

  it("lists a buyer's own orders, newest first, as many as asked", async () => {
    const shop = await make();
    const references: string[] = [];
    for (const productId of ["robe", "sac", "robe"]) {
      const result = await shop.run((s) => s.reserve(request(BUYER, [{ productId, quantity: 1 }])));
      if (result.ok) references.push(result.order.reference);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct creation times
    }
    await shop.run((s) => s.reserve(request(OTHER, [{ productId: "robe", quantity: 1 }])));
    const latest = await shop.run((s) => s.ordersOf(BUYER, 2));
    expect(latest.map((o) => o.reference)).toEqual([references[2], references[1]]);
    expect((await shop.run((s) => s.ordersOf(BUYER, 10))).map((o) => o.reference)).toEqual([...references].reverse());
  });

  it("cancels only the buyer's own reserved order, once, and puts its stock back", async () => {
    const shop = await make();
    const reserved = await shop.run((s) => s.reserve(request(BUYER, [{ productId: "sac", quantity: 1 }])));
    if (!reserved.ok) throw new Error("not reserved");
    const { reference } = reserved.order;
    expect(await shop.run((s) => s.cancelReservation(OTHER, reference))).toBeUndefined();
    expect(await shop.run((s) => s.cancelReservation(BUYER, reference))).toMatchObject({
      reference,
      status: "cancelled",
    });
    expect(await shop.run((s) => s.cancelReservation(BUYER, reference))).toBeUndefined();
    expect(await shop.run((s) => s.cancelReservation(BUYER, "CMD-NOPE"))).toBeUndefined();
    expect((await shop.run((s) => s.reserve(request(OTHER, [{ productId: "sac", quantity: 1 }])))).ok).toBe(true);
  });

  it("resumes the bot for a paused buyer once; a buyer not paused is not resumed", async () => {
    const shop = await make();
    expect(await shop.run((s) => s.resumeBot(BUYER))).toBe(false);
    await shop.pause(BUYER);
    expect(await shop.run((s) => s.resumeBot(BUYER))).toBe(true);
    expect(await shop.run((s) => s.resumeBot(BUYER))).toBe(false);
  });
});
