// Measures, on the local emulators, how fast the message webhook answers (it answers only after its
// write) and how long a customer waits for the reply to reach Wasender. Run: `npm run bench`.
// Emulator figures: they compare changes to this code, they do not predict production latency.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { runInsideEmulators } from "./lib/on-emulators.mjs";
import { startFakeWasender } from "../scripts/lib/fake-wasender.mjs";
import { FUNCTIONS_DIR, PROJECT_ID } from "../scripts/lib/paths.mjs";

const SEQUENTIAL = 200;
const CONCURRENT = 200;
const CONCURRENCY = 10;
const REPLIES = 30;

await runInsideEmulators(import.meta.url, { project: PROJECT_ID, only: "firestore,functions,hosting,tasks" });

const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
const { initializeApp } = require("firebase-admin/app");
const { getFirestore } = require("firebase-admin/firestore");
const db = getFirestore(initializeApp({ projectId: PROJECT_ID }));

const wasender = await startFakeWasender();
const vendorId = `bench_${randomBytes(3).toString("hex")}`;
const secret = `secret-${randomBytes(8).toString("hex")}`;
await db.collection("waba_instances").doc(`waba_${vendorId}`).set({
  vendorId, phoneNumber: "+221700000001", provider: "wasender", wasenderApiKey: "bench-key",
  wasenderWebhookSecret: secret, wasenderApiUrl: wasender.apiUrl,
});
await db.collection("vendor_configs").doc(vendorId).set({ vendorId, wabaInstanceId: `waba_${vendorId}`, autoReplyEnabled: true });

const url = `http://127.0.0.1:5000/api/webhooks/wasender/${vendorId}`;
let counter = 0;
function event(text, phone) {
  const id = `BENCH${Date.now()}${counter++}`;
  const digits = phone ?? `2217700${String(counter % 100000).padStart(5, "0")}`;
  return {
    id,
    body: JSON.stringify({ event: "messages.received", data: { messages: {
      key: { id, fromMe: false, remoteJid: `${digits}@s.whatsapp.net`, cleanedSenderPn: digits },
      messageBody: text,
    } } }),
  };
}
async function post(body) {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-webhook-signature": secret }, body });
  await res.text();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  return performance.now() - started;
}
function summary(label, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
  console.log(`${label.padEnd(48)} n=${String(sorted.length).padStart(4)}  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  max ${sorted.at(-1).toFixed(1)} ms`);
}

// Warm-up: the emulator starts a worker on first use.
await post(event("bonjour").body);
await wasender.waitForSends(1, { timeoutMs: 30_000 });

const sequential = [];
for (let i = 0; i < SEQUENTIAL; i++) sequential.push(await post(event("merci").body));

const concurrent = [];
let next = 0;
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next++ < CONCURRENT) concurrent.push(await post(event("ok").body));
}));

const replyLatency = [];
for (let i = 0; i < REPLIES; i++) {
  const before = wasender.sends.length;
  const started = performance.now();
  await post(event("bonjour", `2217800${String(i).padStart(5, "0")}`).body);
  await wasender.waitForSends(before + 1, { timeoutMs: 30_000 });
  replyLatency.push(performance.now() - started);
}

console.log("\nmessage webhook on the emulators (Hosting -> function -> Firestore create)");
summary(`webhook answer, sequential`, sequential);
summary(`webhook answer, ${CONCURRENCY} in flight`, concurrent);
summary("webhook POST to reply received by Wasender", replyLatency);
await wasender.close();
process.exit(0);
