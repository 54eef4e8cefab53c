// Writes the demo vendors into the Firestore emulator (used by `npm run demo-data:export`).
import { createRequire } from "node:module";
import { join } from "node:path";
import { FUNCTIONS_DIR, PROJECT_ID } from "../lib/paths.mjs";
import { DEMO_PAYMENT_ACCOUNTS, DEMO_VENDORS } from "./demo-data.mjs";
import { waitlistEntryId } from "./waitlist-ids.mjs";

if (!process.env.FIRESTORE_EMULATOR_HOST) throw new Error("FIRESTORE_EMULATOR_HOST is not set: seed only the emulator");
const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
const { initializeApp } = require("firebase-admin/app");
const { getFirestore, Timestamp } = require("firebase-admin/firestore");

const db = getFirestore(initializeApp({ projectId: PROJECT_ID }));
const now = Timestamp.now();
for (const vendor of DEMO_VENDORS) {
  const { id, ...instance } = vendor.instance;
  await db
    .collection("waba_instances")
    .doc(id)
    .set({ ...instance, createdAt: now, updatedAt: now });
  await db.collection("vendor_configs").doc(vendor.vendorId).set(vendor.config);
  for (const [productId, product] of Object.entries(vendor.products)) {
    await db.collection("vendors").doc(vendor.vendorId).collection("products").doc(productId).set(product);
  }
  for (const { minutesAgo, productId, ...place } of vendor.waitlist ?? []) {
    await db
      .collection("vendors")
      .doc(vendor.vendorId)
      .collection("waitlist")
      .doc(waitlistEntryId(productId, place.customer))
      .set({
        ...place,
        productId,
        instanceId: vendor.instance.id,
        status: "waiting",
        joinedAt: Timestamp.fromMillis(now.toMillis() - minutesAgo * 60_000),
      });
  }
  console.log(`seeded ${vendor.vendorId}`);
}
for (const [vendorId, account] of Object.entries(DEMO_PAYMENT_ACCOUNTS)) {
  await db.collection("payment_accounts").doc(vendorId).set(account);
  console.log(`seeded payment_accounts/${vendorId} (${account.provider})`);
}
