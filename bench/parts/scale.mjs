// 4. End to end at scale, on the emulators: vendors onboarded by documents, every customer message
// posted through Hosting with bounded concurrency, timed from the POST to its reply reaching the fake
// Wasender; nothing lost, nothing sent twice. Then a live rush on one vendor: many buyers confirming at
// once for fewer units than buyers; nothing oversold, every buyer answered. The Functions emulator's
// throughput for the bare function, in the same run, is the reference.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startFakeWasender } from "../../scripts/lib/fake-wasender.mjs";
import { db, postWebhook, waitForDecisions, waitForOnboarding } from "../lib/emulator-client.mjs";
import { say } from "../lib/in-process.mjs";
import { inPool } from "../lib/pool.mjs";
import { ms, p50, p99 } from "../lib/stats.mjs";
import { row } from "../lib/table.mjs";
import { benchVendor, ROBE, writeVendors } from "../lib/vendors.mjs";
import { customerPhone, messageEvent } from "../lib/wasender-events.mjs";

const VENDORS = 200;
const CUSTOMERS = 10;
const CONCURRENCY = 20;
const RUSH_BUYERS = 500; // each sends the keyword with a quantity, then OUI: 1,000 messages
const RUSH_STOCK = 100;
const REPLY_TIMEOUT_MS = 180_000;
const REFERENCE_REQUESTS = 400;
const FLOW_BUYERS = 10;

export async function run() {
  const firestore = db();
  const arrivals = new Map(); // "apiKey to" -> times the replies arrived (ms, performance clock)
  const wasender = await startFakeWasender({
    onSend: (send) => {
      const key = `${send.apiKey} ${send.to}`;
      arrivals.set(key, [...(arrivals.get(key) ?? []), performance.now()]);
    },
  });
  const repliesTo = (vendor, phone) => arrivals.get(`${vendor.apiKey} ${phone}`) ?? [];
  /** Resolves when `done()` holds, or once no reply at all has arrived for REPLY_TIMEOUT_MS (the rest are lost). */
  async function until(done) {
    let last = wasender.sends.length;
    let lastChange = performance.now();
    while (!done()) {
      if (wasender.sends.length !== last) [last, lastChange] = [wasender.sends.length, performance.now()];
      if (performance.now() - lastChange > REPLY_TIMEOUT_MS) return;
      await sleep(20);
    }
  }

  // Onboarding: 200 vendors by documents; the onboarding trigger indexes each number.
  const prefix = `scale${Date.now().toString(36)}`;
  const vendors = Array.from({ length: VENDORS }, (_, i) => benchVendor(prefix, i, { series: 2, apiUrl: wasender.apiUrl, products: { robe1: ROBE } }));
  let started = performance.now();
  await writeVendors(firestore, vendors);
  await waitForOnboarding(vendors);
  const onboardingMs = performance.now() - started;
  say(`  ${VENDORS} vendors onboarded in ${ms(onboardingMs)}`);

  // The reference: the bare function's throughput at the same concurrency (a vendor with auto-reply off,
  // so the trigger behind it decides once and sends nothing).
  const reference = benchVendor(prefix, VENDORS, { series: 2, config: { autoReplyEnabled: false } });
  await writeVendors(firestore, [reference]);
  await waitForOnboarding([reference]);
  let n = 0;
  const bare = () => postWebhook(reference, messageEvent(customerPhone(6, n++), "Bonjour").body, { baseline: true });
  await inPool(Array.from({ length: CONCURRENCY * 3 }), CONCURRENCY, bare); // its workers
  started = performance.now();
  await inPool(Array.from({ length: REFERENCE_REQUESTS }), CONCURRENCY, bare);
  const bareRate = REFERENCE_REQUESTS / ((performance.now() - started) / 1000);
  await waitForDecisions(reference.vendorId);
  say(`  bare function through Hosting, ${CONCURRENCY} in flight: ${bareRate.toFixed(1)} requests/s`);

  // Warm-up: a message to each of a few vendors, so the emulator has its workers before the clock runs.
  await inPool(vendors.slice(0, CONCURRENCY), CONCURRENCY, (v) => postWebhook(v, messageEvent(customerPhone(7, 0), "Bonjour").body));
  await until(() => vendors.slice(0, CONCURRENCY).every((v) => repliesTo(v, customerPhone(7, 0)).length > 0));

  // Every customer of every vendor says Bonjour once, vendors interleaved as traffic would be, at most
  // CONCURRENCY messages in flight from POST to reply.
  const messages = [];
  for (let c = 0; c < CUSTOMERS; c++) for (const vendor of vendors) messages.push({ vendor, phone: customerPhone(8, c) });
  started = performance.now();
  await inPool(messages, CONCURRENCY, async (message) => {
    message.postedAt = performance.now();
    await postWebhook(message.vendor, messageEvent(message.phone, "Bonjour").body);
    await until(() => repliesTo(message.vendor, message.phone).length > 0);
  });
  const replyTimes = messages.map((m) => repliesTo(m.vendor, m.phone)[0]).filter((t) => t !== undefined);
  const wallMs = Math.max(...replyTimes) - started;
  await sleep(2_000); // a duplicate would arrive by now
  const latencies = messages.filter((m) => repliesTo(m.vendor, m.phone).length > 0).map((m) => repliesTo(m.vendor, m.phone)[0] - m.postedAt);
  const lost = messages.filter((m) => repliesTo(m.vendor, m.phone).length === 0).length;
  const duplicated = messages.filter((m) => repliesTo(m.vendor, m.phone).length > 1).length;
  const rate = messages.length / (wallMs / 1000);
  say(`  ${messages.length} messages: ${rate.toFixed(1)}/s end to end, p50 ${ms(p50(latencies))}, p99 ${ms(p99(latencies))}, lost ${lost}, duplicated ${duplicated}`);

  // The ordering conversation, step by step (each step waits for its reply), FLOW_BUYERS buyers at once;
  // then buyers sending the three steps in a burst, whose replies must come in order.
  const shop = vendors[0];
  const steps = { "ROBE1 → card": [], "2 → recap": [], "OUI → reservation": [] };
  await Promise.all(Array.from({ length: FLOW_BUYERS }, async (_, i) => {
    const phone = customerPhone(10, i);
    for (const [step, text] of [["ROBE1 → card", "ROBE1"], ["2 → recap", "2"], ["OUI → reservation", "OUI"]]) {
      const before = repliesTo(shop, phone).length;
      const posted = performance.now();
      await postWebhook(shop, messageEvent(phone, text).body);
      await until(() => repliesTo(shop, phone).length > before);
      steps[step].push(repliesTo(shop, phone)[before] - posted);
    }
  }));
  const outOfOrder = [];
  await Promise.all(Array.from({ length: FLOW_BUYERS }, async (_, i) => {
    const phone = customerPhone(11, i);
    for (const text of ["ROBE1", "1", "OUI"]) await postWebhook(shop, messageEvent(phone, text).body);
    await until(() => repliesTo(shop, phone).length >= 3);
    const texts = wasender.sends.filter((send) => send.apiKey === shop.apiKey && send.to === phone).map((send) => send.text);
    if (!(texts[0]?.includes("*Robe wax*") && texts[1]?.includes("Total") && texts[2]?.startsWith("Commande *CMD-"))) outOfOrder.push(phone);
  }));
  const flow = Object.entries(steps).map(([step, times]) => `${step} p50 ${ms(p50(times))}`).join(", ");
  say(`  order steps, ${FLOW_BUYERS} buyers at once: ${flow}; bursts out of order: ${outOfOrder.length} of ${FLOW_BUYERS}`);

  // The rush: one vendor, one product, RUSH_STOCK units, RUSH_BUYERS buyers each sending "RUSH1 1" then OUI.
  const rush = benchVendor(prefix, VENDORS + 1, {
    series: 2,
    apiUrl: wasender.apiUrl,
    config: { rateLimits: { perCustomerPerMinute: 10, perVendorPerMinute: 100_000 } },
    products: { rush: { keyword: "RUSH1", name: "Dernières pièces", price: 5000, currency: "XOF", stock: RUSH_STOCK, active: true } },
  });
  await writeVendors(firestore, [rush]);
  await waitForOnboarding([rush]);
  const buyers = Array.from({ length: RUSH_BUYERS }, (_, i) => ({ phone: customerPhone(9, i) }));
  started = performance.now();
  await inPool(buyers, CONCURRENCY, async (buyer) => {
    await postWebhook(rush, messageEvent(buyer.phone, "RUSH1 1").body);
    buyer.ouiAt = performance.now();
    await postWebhook(rush, messageEvent(buyer.phone, "OUI").body);
  });
  await until(() => buyers.every((b) => repliesTo(rush, b.phone).length >= 2));
  const rushWallMs = Math.max(...buyers.map((b) => repliesTo(rush, b.phone).at(-1) ?? 0)) - started;
  await sleep(2_000);
  const unanswered = buyers.filter((b) => repliesTo(rush, b.phone).length < 2).length;
  const ouiLatencies = buyers.filter((b) => repliesTo(rush, b.phone).length >= 2).map((b) => repliesTo(rush, b.phone)[1] - b.ouiAt);
  const orders = (await firestore.collection("vendors").doc(rush.vendorId).collection("orders").get()).docs;
  const unitsOrdered = orders.reduce((sum, doc) => sum + doc.get("items").reduce((s, item) => s + item.quantity, 0), 0);
  const stockLeft = (await firestore.collection("vendors").doc(rush.vendorId).collection("products").doc("rush").get()).get("stock");
  const oversold = Math.max(0, unitsOrdered - RUSH_STOCK) + Math.max(0, -stockLeft);
  say(`  rush: ${RUSH_BUYERS * 2} messages in ${ms(rushWallMs)}, ${orders.length} orders for ${unitsOrdered} units of ${RUSH_STOCK}, stock left ${stockLeft}, oversold ${oversold}, unanswered ${unanswered}`);
  await wasender.close();

  const rows = [
    row({ figure: `scale: ${VENDORS} vendors × ${CUSTOMERS} customers, POST → reply at Wasender, throughput`, measured: `${rate.toFixed(1)} messages/s (${messages.length} in ${ms(wallMs)}); the bare function alone: ${bareRate.toFixed(1)} requests/s`, ratio: rate / bareRate }),
    row({ figure: "scale: POST → reply latency", measured: `p50 ${ms(p50(latencies))}, p99 ${ms(p99(latencies))}` }),
    row({ figure: "scale: messages lost (no reply)", target: "0", measured: String(lost), pass: lost === 0 }),
    row({ figure: "scale: messages answered twice", target: "0", measured: String(duplicated), pass: duplicated === 0 }),
    row({ figure: `order steps through Hosting, POST → reply (${FLOW_BUYERS} buyers at once)`, measured: flow }),
    row({ figure: `order steps sent in a burst (ROBE1, 1, OUI), replies in order`, target: `all ${FLOW_BUYERS}`, measured: String(FLOW_BUYERS - outOfOrder.length), pass: outOfOrder.length === 0 }),
    row({ figure: `rush: ${RUSH_BUYERS} buyers, ${RUSH_BUYERS * 2} messages, ${RUSH_STOCK} units: oversold`, target: "0", measured: `${oversold} (${orders.length} orders, ${unitsOrdered} units, stock left ${stockLeft})`, pass: oversold === 0 && unitsOrdered + stockLeft === RUSH_STOCK }),
    row({ figure: "rush: buyers answered (keyword and OUI)", target: `all ${RUSH_BUYERS}`, measured: `${RUSH_BUYERS - unanswered}; all in ${ms(rushWallMs)}; OUI → reply p50 ${ms(p50(ouiLatencies))}, p99 ${ms(p99(ouiLatencies))}`, pass: unanswered === 0 }),
  ];
  return {
    rows,
    details: `${VENDORS} vendors onboarded by writing their \`waba_instances\` and \`vendor_configs\` documents and a product (the onboarding trigger indexed them all in ${ms(onboardingMs)}). Each of ${CUSTOMERS} customers per vendor sent "Bonjour" once through Hosting, vendors interleaved, ${CONCURRENCY} messages in flight from POST to reply; each reply went through the reply trigger, the Cloud Tasks emulator and \`outboundAttempt\` to the fake Wasender. Throughput: messages over the time from the first POST to the last reply; the ratio compares it to the bare bench function's requests per second through Hosting at the same concurrency (an acknowledgement alone). Order steps: ${FLOW_BUYERS} buyers at once, each sending ROBE1, 2, OUI and waiting for each reply; then ${FLOW_BUYERS} more sending ROBE1, 1, OUI without waiting (the card, the recap and the reservation must arrive in that order). A quiet Tasks emulator polls a waiting task once a second (firebase-tools 14.18; production Cloud Tasks does not), which shows in these times. The rush: ${RUSH_BUYERS} buyers, ${CONCURRENCY} POSTs in flight (buyers do not wait for answers), each sending "RUSH1 1" then "OUI" for a product with ${RUSH_STOCK} units (the vendor's per-vendor rate limit raised for the live); a buyer is answered when both messages got their reply (a reservation, or what is left).`,
  };
}
