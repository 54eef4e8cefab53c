import { describe, expect, it } from "vitest";
import { vendorConfigSchema } from "../../src/model/vendor-config";
import {
  checkInstance,
  hasMetaFailover,
  hasUnipileFailover,
  receivesMeta,
  receivesUnipile,
} from "../../src/model/waba-instance";
import { productSchema } from "../../src/model/product";
import { waitlistEntrySchema } from "../../src/model/waitlist";
import { adminDb } from "../support/emulators";

const db = adminDb();

// The emulators run with emulator-data/ imported, as `npm start` does.
describe("the demo data in emulator-data/", () => {
  it.each(["vendor_001", "vendor_002", "vendor_003", "vendor_004", "vendor_005"])(
    "has %s with a valid config, a usable instance and valid products",
    async (vendorId) => {
      const config = vendorConfigSchema.parse((await db.collection("vendor_configs").doc(vendorId).get()).data());
      expect(config.wabaInstanceId).toBeTruthy();
      const instance = await db.collection("waba_instances").doc(config.wabaInstanceId!).get();
      const check = checkInstance(instance.id, instance.data());
      expect(check.usable ? check.instance.vendorId : check.problems).toBe(vendorId);
      const products = await db.collection("vendors").doc(vendorId).collection("products").get();
      expect(products.size).toBeGreaterThanOrEqual(2);
      for (const product of products.docs) productSchema.parse(product.data());
    },
  );

  // A live in progress for the live page and the docs: a sold-out product with buyers in line, and
  // delivery zones asked after OUI.
  it("has vendor_001 mid-live: SAC1 sold out with buyers in line, and delivery zones", async () => {
    const config = vendorConfigSchema.parse((await db.collection("vendor_configs").doc("vendor_001").get()).data());
    expect(config.delivery?.zones.length).toBeGreaterThanOrEqual(2);
    expect(config.delivery?.askAddress).toBe(true);
    const sac = productSchema.parse(
      (await db.collection("vendors").doc("vendor_001").collection("products").doc("sac1").get()).data(),
    );
    expect(sac).toMatchObject({ stock: 0, active: true });
    const line = await db
      .collection("vendors")
      .doc("vendor_001")
      .collection("waitlist")
      .where("productId", "==", "sac1")
      .where("status", "==", "waiting")
      .orderBy("joinedAt")
      .get();
    expect(line.size).toBeGreaterThanOrEqual(2);
    for (const place of line.docs) expect(waitlistEntrySchema.parse(place.data()).instanceId).toBe("waba_vendor_001");
  });

  // The Meta sandbox of `npm start` accepts these ids and tokens; the README's failover walk-through
  // and `npm run webhook -- --provider meta` rely on them.
  const META_FIELDS = ["metaPhoneNumberId", "metaAccessToken", "metaAppSecret", "metaVerifyToken"];
  const WASENDER_FIELDS = [
    "wasenderInstanceId",
    "wasenderApiKey",
    "wasenderWebhookSecret",
    "wasenderApiUrl",
    "wasenderAccessToken",
  ];

  it("has vendor_001's Wasender number failing over to a Meta number, with what sending and receiving need", async () => {
    const raw = (await db.collection("waba_instances").doc("waba_vendor_001").get()).data();
    const check = checkInstance("waba_vendor_001", raw);
    expect(check.usable && hasMetaFailover(check.instance) && receivesMeta(check.instance)).toBe(true);
    expect(raw).toMatchObject({ provider: "wasender", failoverProvider: "meta", metaPhoneNumberId: "100000000000001" });
    for (const field of META_FIELDS) expect(raw, field).toHaveProperty(field, expect.stringMatching(/^\S+$/));
    // No metaApiUrl: the global META_GRAPH_API_URL applies (the Meta sandbox locally).
    expect(raw).not.toHaveProperty("metaApiUrl");
  });

  it("has vendor_003 on the Cloud API only: all four Meta fields, no Wasender one, its config and products", async () => {
    const config = vendorConfigSchema.parse((await db.collection("vendor_configs").doc("vendor_003").get()).data());
    expect(config).toMatchObject({ wabaInstanceId: "waba_vendor_003", wabaProvider: "meta" });
    const raw = (await db.collection("waba_instances").doc("waba_vendor_003").get()).data();
    const check = checkInstance("waba_vendor_003", raw);
    expect(check.usable && check.instance.provider === "meta" && receivesMeta(check.instance)).toBe(true);
    expect(raw).toMatchObject({ vendorId: "vendor_003", provider: "meta", metaPhoneNumberId: "100000000000003" });
    for (const field of META_FIELDS) expect(raw, field).toHaveProperty(field, expect.stringMatching(/^\S+$/));
    for (const field of [...WASENDER_FIELDS, "failoverProvider"]) expect(raw, field).not.toHaveProperty(field);
    const products = await db.collection("vendors").doc("vendor_003").collection("products").get();
    expect(products.size).toBeGreaterThanOrEqual(2);
    for (const product of products.docs) productSchema.parse(product.data());
  });

  // The Unipile sandbox of `npm start` (port 3902) accepts this key and these accounts; docs/unipile.md
  // and `npm run webhook -- --provider unipile` rely on them.
  it("has vendor_004 on Unipile and vendor_005's Wasender number failing over to Unipile", async () => {
    const own = (await db.collection("waba_instances").doc("waba_vendor_004").get()).data();
    const ownCheck = checkInstance("waba_vendor_004", own);
    expect(ownCheck.usable && ownCheck.instance.provider === "unipile" && receivesUnipile(ownCheck.instance)).toBe(
      true,
    );
    expect(own).toMatchObject({
      provider: "unipile",
      unipileAccountId: "demo-unipile-account-004",
      unipileApiUrl: "http://127.0.0.1:3902/api/v1",
    });
    const failover = (await db.collection("waba_instances").doc("waba_vendor_005").get()).data();
    const failoverCheck = checkInstance("waba_vendor_005", failover);
    expect(failoverCheck.usable && hasUnipileFailover(failoverCheck.instance)).toBe(true);
    expect(failover).toMatchObject({
      provider: "wasender",
      failoverProvider: "unipile",
      unipileAccountId: "demo-unipile-account-005",
    });
  });
});
