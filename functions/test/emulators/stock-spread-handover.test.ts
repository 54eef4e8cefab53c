import { describe, expect, it, vi } from "vitest";
import { firestore } from "../../src/shared/firestore";
import { handleStockViewTask } from "../../src/orders/stock-views";
import { availableStock, spreadStock } from "../../src/store/stock-shards";
import { uniqueId } from "../support/emulators";
import { reserveRobeOrAborted, buyerPhone } from "../support/stock-reservations";

// In a project of its own (no Functions emulator trigger fires here): an operator's edit stays waiting
// until the code under test spreads it, as when the product trigger's spread failed and was handed to
// the view task.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-stock-handover";
  delete process.env.FIREBASE_CONFIG;
});
const db = firestore();
const product = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("products").doc("robe");

async function spreadProduct(stock: number): Promise<string> {
  const vendorId = uniqueId("handover");
  await product(vendorId).set({ keyword: "ROBE1", name: "Robe", price: 1000, currency: "XOF", active: true, stock });
  expect(await spreadStock(vendorId, "robe")).toBe(true);
  return vendorId;
}

describe("an operator's stock edit handed to the view task", () => {
  it("is spread by the task (the view is left to it), once: a second task finds nothing to do", async () => {
    const vendorId = await spreadProduct(40);
    await product(vendorId).update({ stock: 9 });
    expect(await availableStock(vendorId, "robe")).toBe(40);

    await handleStockViewTask({ vendorId, productId: "robe", at: Date.now() });
    expect(await availableStock(vendorId, "robe")).toBe(9);
    const after = (await product(vendorId).get()).data();
    expect(after).toMatchObject({ stock: 9, stockSync: { stock: 9, shards: 20 } });

    await handleStockViewTask({ vendorId, productId: "robe", at: Date.now() });
    expect((await product(vendorId).get()).data()).toEqual(after);
    expect(await availableStock(vendorId, "robe")).toBe(9);
  });

  it("is spread during a rush: on sale afterwards is the edit less what was reserved after it", async () => {
    const vendorId = await spreadProduct(30);
    const rush = Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 25));
        return reserveRobeOrAborted(vendorId, buyerPhone(i));
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await product(vendorId).update({ stock: 15 });
    expect(await spreadStock(vendorId, "robe")).toBe(true);
    // Spread once: the same edit again is nothing to do.
    expect(await spreadStock(vendorId, "robe")).toBe(false);
    const results = await rush;
    // The spread's commit (nothing else writes the product here; the emulator stamps `stockSync.at` with
    // the arrival time of a write that waited for locks).
    const spreadAt = (await product(vendorId).get()).updateTime!.toMillis();
    const orders = await db.collection("vendors").doc(vendorId).collection("orders").get();
    expect(orders.size).toBe(results.filter((r) => r.ok).length);
    const reservedAfter = orders.docs.filter((order) => order.createTime.toMillis() > spreadAt).length;
    expect(await availableStock(vendorId, "robe")).toBe(15 - reservedAfter);
  }, 60_000);
});
