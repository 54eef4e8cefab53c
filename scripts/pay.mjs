// `npm run pay -- <vendorId> <CMD-…> [--fail]`: the buyer pays (or fails to pay) the order's checkout in
// the payments sandbox of `npm start`, which sends the signed callback the real provider would (Wave,
// PayDunya or Orange Money, per the vendor's payment account). The backend then thanks the buyer.
import { PAYMENTS_SANDBOX_URL } from "./demo/demo-data.mjs";

const args = process.argv.slice(2);
const fail = args.includes("--fail");
const [vendorId, reference] = args.filter((arg) => !arg.startsWith("--"));
if (!vendorId || !reference) {
  console.error("usage: npm run pay -- <vendorId> <reference> [--fail]   e.g. npm run pay -- vendor_001 CMD-7KQ2XA");
  process.exit(2);
}
try {
  const res = await fetch(`${PAYMENTS_SANDBOX_URL}/_control/pay`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ vendorId, reference: reference.toUpperCase(), fail }),
  });
  const body = await res.json();
  if (!res.ok) {
    console.error(`${body.error}: the vendor needs a payment account and the order a checkout (npm start prints each)`);
    process.exit(1);
  }
  for (const callback of body.callbacks) {
    console.log(`${body.provider} callback for ${body.reference} -> ${callback.status} ${callback.answer}`);
  }
  process.exit(body.callbacks.every((callback) => callback.status === 200) ? 0 : 1);
} catch (error) {
  const hint = `is \`npm start\` running? (${error.message})`;
  console.error(`cannot reach the payments sandbox at ${PAYMENTS_SANDBOX_URL}: ${hint}`);
  process.exit(1);
}
