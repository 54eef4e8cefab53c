// WABAManager lookups and the webhook's configuration reads, with 10 and with 10,000 vendors, cold and
// warm, on the Firestore emulator (and a real Redis behind the Upstash bridge when redis-server is
// installed). Run: `npm run bench:lookup`. Emulator figures: compare changes, do not predict production.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { FUNCTIONS_DIR, PROJECT_ID } from "../scripts/lib/paths.mjs";
import { redisServerAvailable, startRedisRestBridge, startRedisServer } from "../scripts/lib/redis.mjs";
import { runInsideEmulators } from "./lib/on-emulators.mjs";

await runInsideEmulators(import.meta.url, { project: `${PROJECT_ID}-bench`, only: "firestore" });

let redis;
let bridge;
if (redisServerAvailable()) {
  redis = await startRedisServer(6392);
  const token = randomBytes(8).toString("hex");
  bridge = await startRedisRestBridge({ redisUrl: redis.url, token });
  process.env.UPSTASH_REDIS_REST_URL = bridge.url;
  process.env.UPSTASH_REDIS_REST_TOKEN = token;
}

const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
const { initializeApp } = require("firebase-admin/app");
const { getFirestore, DocumentReference, Query, Transaction } = require("firebase-admin/firestore");
initializeApp({ projectId: `${PROJECT_ID}-bench` });
const db = getFirestore();
const lib = (path) => require(join(FUNCTIONS_DIR, "lib", path));
const { WABAManager } = lib("onboarding/waba-manager.js");
const { handleWasenderWebhook } = lib("webhooks/wasender-webhook.js");
const { configCache } = lib("store/config-cache.js");

// Billed reads: one per document read, one per document a query returns (at least one per query).
let reads = 0;
for (const proto of [DocumentReference.prototype, Query.prototype, Transaction.prototype]) {
  const original = proto.get;
  proto.get = async function counted(...args) {
    const result = await original.apply(this, args);
    reads += typeof result?.size === "number" ? Math.max(1, result.size) : 1;
    return result;
  };
}

const phoneOf = (i) => `+2217${String(10_000_000 + i)}`;
async function seed(from, to) {
  for (let start = from; start < to; start += 400) {
    const batch = db.batch();
    for (let i = start; i < Math.min(to, start + 400); i++) {
      const vendorId = `bench_${i}`;
      batch.set(db.collection("waba_instances").doc(`waba_${vendorId}`), {
        vendorId, phoneNumber: phoneOf(i), provider: "wasender", wasenderInstanceId: `s_${i}`,
        wasenderApiKey: `k_${i}`, wasenderWebhookSecret: `w_${i}`, status: "connected",
      });
      batch.set(db.collection("vendor_configs").doc(vendorId), { vendorId, wabaInstanceId: `waba_${vendorId}`, wabaProvider: "wasender" });
      batch.set(db.collection("phone_index").doc(phoneOf(i)), { vendorId, wabaInstanceId: `waba_${vendorId}` });
    }
    await batch.commit();
  }
}

/** `pick(n)` chooses the vendor of the n-th call. */
async function measure(label, count, pick, work) {
  const samples = [];
  const before = reads;
  for (let n = 0; n < count; n++) {
    const i = pick(n);
    const started = performance.now();
    await work(i);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const p = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))].toFixed(2);
  console.log(`${label.padEnd(46)} p50 ${p(0.5)} ms  p95 ${p(0.95)} ms  Firestore reads/lookup ${((reads - before) / count).toFixed(2)}`);
}

console.log(`cache: ${bridge ? "memory + Redis (local redis-server through the REST bridge)" : "memory only (no redis-server here)"}`);
let seeded = 0;
for (const vendors of [10, 10_000]) {
  const started = performance.now();
  await seed(seeded, vendors);
  seeded = vendors;
  console.log(`\n${vendors} vendors (seeded in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  await configCache().delete([...Array(vendors).keys()].flatMap((i) => [`vendor:bench_${i}`, `index:phone_index:${phoneOf(i)}`]));
  const manager = new WABAManager();
  const coldCount = Math.min(vendors, 200);
  const spread = (n) => Math.floor((n * vendors) / coldCount); // each cold call a vendor not looked up yet
  const hot = (n) => n % Math.min(vendors, 50);
  await measure("findVendorByPhoneNumber, cold", coldCount, spread, (i) => manager.findVendorByPhoneNumber(phoneOf(i)));
  for (let n = 0; n < 50; n++) await manager.findVendorByPhoneNumber(phoneOf(hot(n))); // warm-up, not measured
  await measure("findVendorByPhoneNumber, warm", 1000, hot, (i) => manager.findVendorByPhoneNumber(phoneOf(i)));
  const body = (id) => Buffer.from(JSON.stringify({ event: "chats.update", data: { id } }));
  await measure("webhook config lookup + auth, warm", 500, hot, (i) =>
    handleWasenderWebhook({ method: "POST", path: `/bench_${i}`, headers: { "x-webhook-signature": `w_${i}` }, rawBody: body(i) }),
  );
}
// One whole inbound message on a warm path: the webhook stores it, the trigger's work answers it.
const { startFakeWasender } = await import("../scripts/lib/fake-wasender.mjs");
const { handleNewMessage } = lib("replies/on-new-message.js");
const { AlloPermetEngine } = lib("engine/allopermet-engine.js");
const { InboundLimiter } = lib("shared/inbound-limiter.js");
const { getVendorWasenderRegistry } = lib("wasender/vendor-wasender-registry.js");
const { redisConfig } = lib("store/config-cache.js");
const { ProviderRegistry } = lib("messaging/provider.js");
const { performAttempt } = lib("outbound/attempt.js");
const wasender = await startFakeWasender();
await db.collection("waba_instances").doc("waba_bench_0").update({ wasenderApiUrl: wasender.apiUrl });
await configCache().delete(["vendor:bench_0"]);
await db.collection("vendors").doc("bench_0").collection("products").doc("p1").set({ keyword: "ROBE1", name: "Robe", price: 15000, stock: 3, active: true });
// Only Firestore runs here: send attempts run in this process as soon as they are dispatched (their
// reads count too), in place of Cloud Tasks.
const deps = {
  engine: new AlloPermetEngine(), limiter: new InboundLimiter(redisConfig()),
  providers: new ProviderRegistry(() => wasender.apiUrl, { wasender: getVendorWasenderRegistry() }),
  scheduler: { schedule: async (dispatches) => { for (const { at: _at, ...task } of dispatches) await performAttempt(task, deps); } },
  platformPaymentLink: () => "https://pay.example/{reference}?amount={amount}",
};
async function inbound(n, text) {
  const id = `BENCH${n}`;
  // A customer each: the per-customer rate limit (10 a minute) must not cut the run short.
  const phone = `2217700${String(10000 + n)}`;
  const body = { event: "messages.received", data: { messages: { key: { id, fromMe: false, cleanedSenderPn: phone }, messageBody: text } } };
  const before = reads;
  await handleWasenderWebhook({ method: "POST", path: "/bench_0", headers: { "x-webhook-signature": "w_0" }, rawBody: Buffer.from(JSON.stringify(body)) });
  const webhook = reads - before;
  // The trigger gets the created document with its event; that read is the platform's, not counted.
  const data = (await db.collection("vendors").doc("bench_0").collection("conversations").doc(`+${phone}`).collection("messages").doc(`in_${id}`).get()).data();
  const triggerStart = reads;
  await handleNewMessage({ vendorId: "bench_0", customer: `+${phone}`, messageId: `in_${id}` }, data, deps);
  return { webhook, total: webhook + (reads - triggerStart) };
}
await inbound(0, "bonjour"); // warms the caches, the connection pool and the conversation
const warm = [];
for (let n = 1; n <= 20; n++) warm.push(await inbound(n, n % 2 ? "merci" : "ROBE1"));
const mean = (f) => (warm.reduce((sum, r) => sum + f(r), 0) / warm.length).toFixed(1);
console.log(`\nFirestore reads per inbound message, warm path (one product, one reply each): webhook ${mean((r) => r.webhook)}, webhook + reply ${mean((r) => r.total)}`);
console.log(`replies sent: ${wasender.sends.length} for ${warm.length + 1} messages`);
if (wasender.sends.length !== warm.length + 1) {
  console.error("every message should have had exactly one reply: the figures above are not valid");
  process.exitCode = 1;
}
await wasender.close();
await getVendorWasenderRegistry().close();
await bridge?.close();
await redis?.stop();
process.exit(process.exitCode ?? 0);
