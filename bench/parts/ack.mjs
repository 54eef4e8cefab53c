// 1. Webhook acknowledgement in process, against the Firestore emulator: the real message webhook
// (authentication, parsing, the warm configuration cache, the store) next to a baseline handler that
// does only the same single Firestore create, request for request, sequential and 50 in flight.
import { performance } from "node:perf_hooks";
import { functionsInProcess, say } from "../lib/in-process.mjs";
import { inPool } from "../lib/pool.mjs";
import { ms, p50, p99 } from "../lib/stats.mjs";
import { ratioRow } from "../lib/table.mjs";
import { benchVendor, writeVendors } from "../lib/vendors.mjs";
import { customerPhone, messageEvent, signedHeaders } from "../lib/wasender-events.mjs";

/** Requests per handler: a p99 rests on its slowest 1 %, so many (50 in flight serve them fast). */
const PER_VARIANT = { 1: 4_000, 50: 10_000 };
/**
 * The two handlers take turns in short blocks, so a drift of the emulator (it keeps speeding up, and
 * slows now and then) hits both alike: one request each in turn when sequential, blocks of 250 (five
 * waves) at 50 concurrent.
 */
const BLOCK = { 1: 1, 50: 250 };
/** The Firestore emulator's JIT keeps speeding it up for a while: both handlers warm it up in turn first. */
const WARM_UP_MS = 15_000;
const CUSTOMERS = 200;
const MODES = [
  { name: "sequential", concurrency: 1 },
  { name: "50 concurrent", concurrency: 50 },
];

export async function run() {
  const { lib, db, firestoreModule } = functionsInProcess();
  const { FieldValue, Timestamp } = firestoreModule;
  const { handleWasenderWebhook } = lib("webhooks/wasender-webhook.js");
  const vendor = benchVendor(`ack${Date.now().toString(36)}`, 0);
  await writeVendors(db, [vendor]);
  let n = 0;
  const next = () => {
    const phone = customerPhone(1, n++ % CUSTOMERS);
    return { phone, ...messageEvent(phone, "Bonjour, je veux ROBE1") };
  };

  /** The real webhook: everything the function does between the request and the answer. */
  async function webhook() {
    const { body } = next();
    const response = await handleWasenderWebhook({
      method: "POST",
      path: `/${vendor.vendorId}`,
      headers: signedHeaders(vendor.secret),
      rawBody: Buffer.from(body),
    });
    if (response.status !== 200 || response.body.results?.[0]?.outcome !== "stored")
      throw new Error(`webhook answered ${response.status} ${JSON.stringify(response.body)}`);
  }
  /** The floor: the same document, created at the same path, and nothing else. */
  async function baseline() {
    const { phone, id } = next();
    await db.doc(`vendors/${vendor.vendorId}/conversations/${phone}/messages/in_${id}`).create({
      direction: "inbound",
      vendorId: vendor.vendorId,
      wabaInstanceId: vendor.wabaInstanceId,
      waMessageId: id,
      from: phone,
      text: "Bonjour, je veux ROBE1",
      kind: "text",
      event: "messages.received",
      processing: { state: "pending" },
      receivedAt: FieldValue.serverTimestamp(),
      customerName: "Client",
      sentAt: Timestamp.now(),
    });
  }
  const variants = { webhook, baseline };

  async function measure(handler, count, concurrency) {
    const samples = [];
    await inPool(Array.from({ length: count }), concurrency, async () => {
      const started = performance.now();
      await handler();
      samples.push(performance.now() - started);
    });
    return samples;
  }

  for (const end = performance.now() + WARM_UP_MS; performance.now() < end;)
    (await measure(baseline, 50, 10), await measure(webhook, 50, 10));
  const rows = [];
  const lines = [];
  for (const mode of MODES) {
    const samples = { webhook: [], baseline: [] };
    const block = BLOCK[mode.concurrency];
    for (let round = 0; round < PER_VARIANT[mode.concurrency] / block; round++) {
      const order = round % 2 === 0 ? ["baseline", "webhook"] : ["webhook", "baseline"];
      for (const name of order) samples[name].push(...(await measure(variants[name], block, mode.concurrency)));
    }
    for (const [q, quantile, limit] of [
      ["p50", p50, 1.3],
      ["p99", p99, 1.5],
    ]) {
      const real = quantile(samples.webhook);
      const floor = quantile(samples.baseline);
      const measured = `${ms(real)} vs ${ms(floor)}`;
      rows.push(
        ratioRow({
          figure: `webhook ack ${q}, ${mode.name} (webhook vs one create)`,
          limit,
          measured,
          ratio: real / floor,
        }),
      );
      lines.push(`${mode.name} ${q}: webhook ${ms(real)}, one create ${ms(floor)}`);
      say(
        `  ${mode.name.padEnd(14)} ${q}: webhook ${ms(real)}  baseline ${ms(floor)}  ratio ${(real / floor).toFixed(2)}`,
      );
    }
  }
  return {
    rows,
    details: `${PER_VARIANT[1]} requests per handler sequential, ${PER_VARIANT[50]} at 50 concurrent, the two taking turns (one request each when sequential, blocks of ${BLOCK[50]} at 50 concurrent), after ${WARM_UP_MS / 1000} s of warm-up alternating the two (the emulator gets faster for a while); one vendor, ${CUSTOMERS} customers, a new message id per request; the configuration cache on memory (as \`npm start\`), warm. The webhook is \`handleWasenderWebhook\` from \`functions/lib\` (what the function runs, minus the HTTP framework); the baseline creates the same document at the same path. ${lines.join("; ")}.`,
  };
}
