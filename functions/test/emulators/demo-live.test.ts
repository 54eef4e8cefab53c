import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { BUYERS, playBuyer } from "../../../scripts/lib/demo-live.mjs";
import { DEMO_VENDORS } from "../../../scripts/demo/demo-data.mjs";
import { adminDb, createVendor, eventually, HOSTING_URL, idTokenWithClaims } from "../support/emulators";

// npm start's demo live plays scripted buyers against the first demo vendor's settings: they must still
// end with orders when the vendor's flow changes (its delivery zones ask a zone and an address after OUI).
const db = adminDb();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(async () => {
  await wasender.close();
});

describe("npm start's demo live", () => {
  it("its first buyer ends with a paid order, with the zone and address they gave", async () => {
    const demo = DEMO_VENDORS[0]!;
    const { vendorId: _vendorId, wabaInstanceId: _instanceId, ...settings } = demo.config;
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, config: settings, products: demo.products });
    const buyer = BUYERS.find((b) => b.pays)!;
    await playBuyer({
      hosting: HOSTING_URL,
      vendor: { vendorId: vendor.vendorId, instance: { wasenderWebhookSecret: vendor.secret } },
      buyer,
      adminToken: () => idTokenWithClaims({ admin: true }),
      pauseMs: 200,
    });
    const order = await eventually(
      async () => {
        const snap = await db
          .collection("vendors")
          .doc(vendor.vendorId)
          .collection("orders")
          .where("customer", "==", buyer.phone)
          .get();
        return snap.docs.find((doc) => doc.get("status") === "paid");
      },
      20_000,
      "the demo buyer's order paid",
    );
    const zones = (demo.config.delivery as { zones: Array<{ name: string; fee: number }> }).zones;
    const zone = zones[Number(buyer.says.at(-2)) - 1]!;
    expect(order.get("delivery")).toEqual({ zone: zone.name, fee: zone.fee, address: buyer.says.at(-1) });
  }, 60_000);
});
