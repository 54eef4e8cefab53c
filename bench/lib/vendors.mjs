// Vendors onboarded the way an operator does it: a `waba_instances` document, a `vendor_configs`
// document and products (README, "Onboarding a vendor").

/**
 * The i-th vendor of a run: ids, number, Wasender key and webhook secret. Parts that share a Firestore
 * project give distinct `series` (0-9): a number another vendor holds would be refused at onboarding.
 */
export function benchVendor(prefix, i, { series = 0, apiUrl, config = {}, instance = {}, products = {} } = {}) {
  const vendorId = `${prefix}_${i}`;
  const wabaInstanceId = `waba_${vendorId}`;
  const secret = `whsec-${prefix}-${i}`;
  const apiKey = `key-${prefix}-${i}`;
  const phoneNumber = `+22170${series}${String(i).padStart(6, "0")}`;
  return {
    vendorId,
    wabaInstanceId,
    secret,
    apiKey,
    phoneNumber,
    docs: {
      instance: {
        vendorId,
        phoneNumber,
        provider: "wasender",
        wasenderInstanceId: `session-${vendorId}`,
        wasenderApiKey: apiKey,
        wasenderWebhookSecret: secret,
        status: "connected",
        businessName: `Boutique ${i}`,
        ...(apiUrl && { wasenderApiUrl: apiUrl }),
        ...instance,
      },
      config: {
        vendorId,
        wabaInstanceId,
        wabaProvider: "wasender",
        businessName: `Boutique ${i}`,
        language: "fr",
        autoReplyEnabled: true,
        ...config,
      },
      products,
    },
  };
}

/** Writes the vendors' documents in batches (500 writes each); `index: true` also writes the phone index. */
export async function writeVendors(db, vendors, { index = false } = {}) {
  const writes = vendors.flatMap((vendor) => [
    [db.collection("waba_instances").doc(vendor.wabaInstanceId), vendor.docs.instance],
    [db.collection("vendor_configs").doc(vendor.vendorId), vendor.docs.config],
    ...Object.entries(vendor.docs.products).map(([id, product]) => [
      db.collection("vendors").doc(vendor.vendorId).collection("products").doc(id),
      product,
    ]),
    ...(index
      ? [
          [
            db.collection("phone_index").doc(vendor.phoneNumber),
            { vendorId: vendor.vendorId, wabaInstanceId: vendor.wabaInstanceId },
          ],
        ]
      : []),
  ]);
  for (let start = 0; start < writes.length; start += 500) {
    const batch = db.batch();
    for (const [ref, data] of writes.slice(start, start + 500)) batch.set(ref, data);
    await batch.commit();
  }
}

export const ROBE = {
  keyword: "ROBE1",
  name: "Robe wax",
  price: 15000,
  currency: "XOF",
  stock: 1_000_000,
  active: true,
  description: "Robe longue en wax.",
};
