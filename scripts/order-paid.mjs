// `npm run order:paid -- <vendorId> <reference>`: confirms an order's payment on the local emulators,
// as a payment callback or an operator would (sets `status: "paid"` on vendors/{vendorId}/orders/{reference}).
// The backend then thanks the buyer on WhatsApp. Emulator only.
import { emulatorFirestore } from "./lib/emulator-admin.mjs";

const [vendorId, reference] = process.argv.slice(2);
if (!vendorId || !reference) {
  console.error(
    "usage: npm run order:paid -- <vendorId> <reference>   e.g. npm run order:paid -- vendor_001 CMD-7KQ2XA",
  );
  process.exit(2);
}
const ref = emulatorFirestore().collection("vendors").doc(vendorId).collection("orders").doc(reference.toUpperCase());
try {
  const snap = await ref.get();
  if (!snap.exists) {
    console.error(`no order ${ref.path}: check the reference the bot gave (e.g. CMD-7KQ2XA)`);
    process.exit(1);
  }
  if (snap.get("status") !== "reserved") {
    console.error(`${ref.path} is ${snap.get("status")}, not reserved: nothing to confirm`);
    process.exit(1);
  }
  await ref.update({ status: "paid", paidAt: new Date(), paymentNote: "confirmed with npm run order:paid" });
  console.log(`${ref.path} marked paid; the thank-you appears in the Wasender sandbox.`);
  process.exit(0);
} catch (error) {
  console.error(`cannot reach the Firestore emulator: is \`npm start\` running? (${error.message})`);
  process.exit(1);
}
