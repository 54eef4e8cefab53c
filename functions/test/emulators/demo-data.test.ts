import { describe, expect, it } from "vitest";
import { vendorConfigSchema } from "../../src/model/vendor-config";
import { checkWasenderInstance } from "../../src/model/waba-instance";
import { productSchema } from "../../src/model/product";
import { adminDb } from "../support/emulators";

const db = adminDb();

// The emulators run with emulator-data/ imported, as `npm start` does.
describe("the demo data in emulator-data/", () => {
  it.each(["vendor_001", "vendor_002"])("has %s with a valid config, a usable instance and valid products", async (vendorId) => {
    const config = vendorConfigSchema.parse((await db.collection("vendor_configs").doc(vendorId).get()).data());
    expect(config.wabaInstanceId).toBeTruthy();
    const instance = await db.collection("waba_instances").doc(config.wabaInstanceId!).get();
    const check = checkWasenderInstance(instance.id, instance.data());
    expect(check.usable ? check.instance.vendorId : check.problems).toBe(vendorId);
    const products = await db.collection("vendors").doc(vendorId).collection("products").get();
    expect(products.size).toBeGreaterThanOrEqual(2);
    for (const product of products.docs) productSchema.parse(product.data());
  });
});
