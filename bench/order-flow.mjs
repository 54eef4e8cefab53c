// Measures AlloPermet's ordering flow on the local emulators: how long a buyer waits for each step
// (keyword -> card, quantity -> recap, OUI -> reservation), a burst of three messages from one buyer,
// and a live rush (many buyers confirming at once for fewer units than buyers). Run: `npm run bench:orders`.
// Emulator figures: they compare changes to this code, they do not predict production latency.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { runInsideEmulators } from "./lib/on-emulators.mjs";
import { startFakeWasender } from "../scripts/lib/fake-wasender.mjs";
import { FUNCTIONS_DIR, PROJECT_ID } from "../scripts/lib/paths.mjs";

const BUYERS = 15;
const RUSH_BUYERS = 30;
const RUSH_UNITS = 10;

await runInsideEmulators(import.meta.url, { project: PROJECT_ID, only: "firestore,functions,hosting,tasks" });

const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
const { initializeApp } = require("firebase-admin/app");
const { getFirestore } = require("firebase-admin/firestore");
const db = getFirestore(initializeApp({ projectId: PROJECT_ID }));

const wasender = await startFakeWasender();
const vendorId = `bench_${randomBytes(3).toString("hex")}`;
const secret = `secret-${randomBytes(8).toString("hex")}`;
await db.collection("waba_instances").doc(`waba_${vendorId}`).set({
  vendorId, phoneNumber: "+221700000002", provider: "wasender", wasenderApiKey: "bench-orders-key",
  wasenderWebhookSecret: secret, wasenderApiUrl: wasender.apiUrl,
});
await db.collection("vendor_configs").doc(vendorId).set({
  vendorId, wabaInstanceId: `waba_${vendorId}`, autoReplyEnabled: true, businessName: "Bench",
  rateLimits: { perCustomerPerMinute: 100, perVendorPerMinute: 10_000 },
});
const products = db.collection("vendors").doc(vendorId).collection("products");
await products.doc("robe1").set({ keyword: "ROBE1", name: "Robe", price: 15000, currency: "XOF", stock: 10_000, active: true });
await products.doc("rush").set({ keyword: "RUSH1", name: "Dernières pièces", price: 5000, currency: "XOF", stock: RUSH_UNITS, active: true });

const url = `http://127.0.0.1:5000/api/webhooks/wasender/${vendorId}`;
let counter = 0;
async function post(text, digits) {
  const id = `BENCHORDER${Date.now()}${counter++}`;
  const body = JSON.stringify({ event: "messages.received", data: { messages: {
    key: { id, fromMe: false, remoteJid: `${digits}@s.whatsapp.net`, cleanedSenderPn: digits }, messageBody: text,
  } } });
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-webhook-signature": secret }, body });
  await res.text();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
}
const sendsTo = (digits) => (send) => send.to === `+${digits}`;
/** Posts one message and waits for the bot's answer to that buyer; returns the wait in ms. */
async function step(text, digits) {
  const before = wasender.sends.filter(sendsTo(digits)).length;
  const started = performance.now();
  await post(text, digits);
  await wasender.waitForSends(before + 1, { predicate: sendsTo(digits), timeoutMs: 60_000 });
  return performance.now() - started;
}
function summary(label, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(0);
  console.log(`${label.padEnd(44)} n=${String(sorted.length).padStart(3)}  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  max ${sorted.at(-1).toFixed(0)} ms`);
}

await step("bonjour", "221780000000"); // warm-up: the emulator starts its workers on first use

const card = [], recap = [], reserve = [];
for (let i = 1; i <= BUYERS; i++) {
  const digits = `2217800${String(i).padStart(5, "0")}`;
  card.push(await step("ROBE1", digits));
  recap.push(await step("2", digits));
  reserve.push(await step("OUI", digits));
}

const burst = [];
for (let i = 1; i <= 5; i++) {
  const digits = `2217810${String(i).padStart(5, "0")}`;
  const started = performance.now();
  for (const text of ["ROBE1", "1", "OUI"]) await post(text, digits);
  const sends = await wasender.waitForSends(3, { predicate: sendsTo(digits), timeoutMs: 60_000 });
  if (!sends[2].text.startsWith("Commande *CMD-")) throw new Error(`burst out of order: ${sends.map((s) => s.text.split("\n")[0]).join(" | ")}`);
  burst.push(performance.now() - started);
}

const rushers = Array.from({ length: RUSH_BUYERS }, (_, i) => `2217820${String(i).padStart(5, "0")}`);
await Promise.all(rushers.map((digits) => step("RUSH1 1", digits)));
const rushStart = performance.now();
const rush = await Promise.all(rushers.map((digits) => step("OUI", digits)));
const rushWall = performance.now() - rushStart;
const orders = await db.collection("vendors").doc(vendorId).collection("orders").get();
const rushOrders = orders.docs.filter((doc) => doc.get("items")[0].productId === "rush").length;
const stockLeft = (await products.doc("rush").get()).get("stock");

console.log("\nAlloPermet ordering on the emulators (webhook POST -> reply received by Wasender)");
summary("keyword -> product card", card);
summary("quantity -> recap", recap);
summary("OUI -> reservation with payment link", reserve);
summary("burst ROBE1, 1, OUI -> third reply, in order", burst);
summary(`rush: ${RUSH_BUYERS} buyers say OUI for ${RUSH_UNITS} units`, rush);
console.log(`rush: all ${RUSH_BUYERS} answered in ${rushWall.toFixed(0)} ms; orders created ${rushOrders} (units ${RUSH_UNITS}); stock left ${stockLeft}`);
await new Promise((resolve) => setTimeout(resolve, 2000)); // the rush's second replies (recap after a shortage)
await wasender.close();
process.exit(rushOrders === RUSH_UNITS && stockLeft === 0 ? 0 : 1);
