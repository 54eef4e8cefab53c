// 4. End to end at scale, on the emulators: vendors onboarded by documents, every customer message
// posted through Hosting with bounded concurrency, timed from the POST to its reply reaching the fake
// Wasender; nothing lost, nothing sent twice. Then a live rush on one vendor: many buyers confirming at
// once for fewer units than buyers; nothing oversold, every buyer answered, the reservation as quick as
// the card. The Functions emulator's throughput for the bare function, in the same run, is the
// reference. The busiest document of the scale run and of the rush is counted in the Functions
// emulator's workers (lib/worker-writes.mjs), and the reply trigger's runs are timed there
// (lib/worker-runs.mjs).
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startFakeWasender } from "../../scripts/lib/fake-wasender.mjs";
import { busiestDocumentBetween, describeBusiest, WINDOW_MS } from "../lib/busiest-document.mjs";
import { db, postWebhook, waitForDecisions, waitForOnboarding } from "../lib/emulator-client.mjs";
import { say } from "../lib/in-process.mjs";
import { inPool } from "../lib/pool.mjs";
import { describeRuns, workerRuns } from "../lib/trigger-runs.mjs";
import { ms, p50, p99 } from "../lib/stats.mjs";
import { row } from "../lib/table.mjs";
import { benchVendor, ROBE, writeVendors } from "../lib/vendors.mjs";
import { customerPhone, messageEvent } from "../lib/wasender-events.mjs";

const VENDORS = 200;
const CUSTOMERS = 10;
const CONCURRENCY = 20;
const RUSH_BUYERS = 1000; // each sends the keyword with a quantity, then OUI: 2,000 messages
const RUSH_AT_ONCE = 25; // buyers between their first POST and their last reply at any moment
const RUSH_STOCK = 100;
const REPLY_TIMEOUT_MS = 180_000;
const REFERENCE_REQUESTS = 400;
const REPLY_TRIGGER = "onConversationMessageCreated";
const FLOW_BUYERS = 10;
/** The p50 measured before the rework, the scale run's reference. */
const LATENCY_BEFORE_MS = 1830;
/**
 * The emulator hands trigger events over one at a time, so throughput and latency here are its own:
 * reports; their targets are the delivery simulator's (part 10), which delivers as production does.
 */
const MOVED = "report: the target is part 10's, under production's delivery";
/** Firestore's guidance: about one sustained write per second on one document. */
const DOCUMENT_WRITES_LIMIT = 1;

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
  const vendors = Array.from({ length: VENDORS }, (_, i) =>
    benchVendor(prefix, i, { series: 2, apiUrl: wasender.apiUrl, products: { robe1: ROBE } }),
  );
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
  await inPool(vendors.slice(0, CONCURRENCY), CONCURRENCY, (v) =>
    postWebhook(v, messageEvent(customerPhone(7, 0), "Bonjour").body),
  );
  await until(() => vendors.slice(0, CONCURRENCY).every((v) => repliesTo(v, customerPhone(7, 0)).length > 0));

  // Every customer of every vendor says Bonjour once, vendors interleaved as traffic would be, at most
  // CONCURRENCY messages in flight from POST to reply.
  const messages = [];
  for (let c = 0; c < CUSTOMERS; c++)
    for (const vendor of vendors) messages.push({ vendor, phone: customerPhone(8, c) });
  const scaleFrom = Date.now();
  started = performance.now();
  await inPool(messages, CONCURRENCY, async (message) => {
    message.postedAt = performance.now();
    await postWebhook(message.vendor, messageEvent(message.phone, "Bonjour").body);
    await until(() => repliesTo(message.vendor, message.phone).length > 0);
  });
  const replyTimes = messages.map((m) => repliesTo(m.vendor, m.phone)[0]).filter((t) => t !== undefined);
  const wallMs = Math.max(...replyTimes) - started;
  await sleep(2_000); // a duplicate would arrive by now
  const scaleWrites = await busiestDocumentBetween(scaleFrom, Date.now());
  const triggerRuns = describeRuns(workerRuns(REPLY_TRIGGER, scaleFrom, Date.now()));
  const latencies = messages
    .filter((m) => repliesTo(m.vendor, m.phone).length > 0)
    .map((m) => repliesTo(m.vendor, m.phone)[0] - m.postedAt);
  const lost = messages.filter((m) => repliesTo(m.vendor, m.phone).length === 0).length;
  const duplicated = messages.filter((m) => repliesTo(m.vendor, m.phone).length > 1).length;
  const rate = messages.length / (wallMs / 1000);
  say(
    `  ${messages.length} messages: ${rate.toFixed(1)}/s end to end, p50 ${ms(p50(latencies))}, p99 ${ms(p99(latencies))}, lost ${lost}, duplicated ${duplicated}`,
  );
  say(`  reply trigger: ${describeTriggerRuns(triggerRuns)}`);
  // The write log's own check: the webhook creates each inbound message once, so the log must hold
  // exactly one create of an inbound message per POST.
  const inboundCreates = (writes) =>
    writes.filter((w) => w.op === "create" && /\/messages\/in_[^/]*$/.test(w.document)).length;
  const scaleInbound = inboundCreates(scaleWrites.writes);
  say(
    `  busiest document: ${describeBusiest(scaleWrites.busiest)}; ${scaleWrites.writes.length} writes logged, ${scaleInbound} inbound messages created for ${messages.length} POSTs`,
  );

  // The ordering conversation, step by step (each step waits for its reply), FLOW_BUYERS buyers at once;
  // then buyers sending the three steps in a burst, whose replies must come in order.
  const shop = vendors[0];
  const steps = { "ROBE1 → card": [], "2 → recap": [], "OUI → reservation": [] };
  await Promise.all(
    Array.from({ length: FLOW_BUYERS }, async (_, i) => {
      const phone = customerPhone(10, i);
      for (const [step, text] of [
        ["ROBE1 → card", "ROBE1"],
        ["2 → recap", "2"],
        ["OUI → reservation", "OUI"],
      ]) {
        const before = repliesTo(shop, phone).length;
        const posted = performance.now();
        await postWebhook(shop, messageEvent(phone, text).body);
        await until(() => repliesTo(shop, phone).length > before);
        steps[step].push(repliesTo(shop, phone)[before] - posted);
      }
    }),
  );
  const outOfOrder = [];
  await Promise.all(
    Array.from({ length: FLOW_BUYERS }, async (_, i) => {
      const phone = customerPhone(11, i);
      for (const text of ["ROBE1", "1", "OUI"]) await postWebhook(shop, messageEvent(phone, text).body);
      await until(() => repliesTo(shop, phone).length >= 3);
      const texts = wasender.sends
        .filter((send) => send.apiKey === shop.apiKey && send.to === phone)
        .map((send) => send.text);
      if (!(texts[0]?.includes("*Robe wax*") && texts[1]?.includes("Total") && texts[2]?.startsWith("Commande *CMD-")))
        outOfOrder.push(phone);
    }),
  );
  const flow = Object.entries(steps)
    .map(([step, times]) => `${step} p50 ${ms(p50(times))}`)
    .join(", ");
  say(
    `  order steps, ${FLOW_BUYERS} buyers at once: ${flow}; bursts out of order: ${outOfOrder.length} of ${FLOW_BUYERS}`,
  );

  // The rush: one vendor, one product, RUSH_STOCK units, RUSH_BUYERS buyers each sending "RUSH1 1" then OUI.
  const rush = benchVendor(prefix, VENDORS + 1, {
    series: 2,
    apiUrl: wasender.apiUrl,
    config: { rateLimits: { perCustomerPerMinute: 10, perVendorPerMinute: 100_000 } },
    products: {
      rush: {
        keyword: "RUSH1",
        name: "Dernières pièces",
        price: 5000,
        currency: "XOF",
        stock: RUSH_STOCK,
        active: true,
      },
    },
  });
  await writeVendors(firestore, [rush]);
  await waitForOnboarding([rush]);
  // Each buyer sends "RUSH1 1" (the product and a quantity: the card with its total), reads it, then
  // confirms with OUI; RUSH_AT_ONCE buyers at a time, a new one starting as one is answered.
  const rushProduct = firestore.collection("vendors").doc(rush.vendorId).collection("products").doc("rush");
  const buyers = Array.from({ length: RUSH_BUYERS }, (_, i) => ({ phone: customerPhone(9, i) }));
  const rushFrom = Date.now();
  started = performance.now();
  await inPool(buyers, RUSH_AT_ONCE, async (buyer) => {
    for (const [step, text] of [
      ["keyword", "RUSH1 1"],
      ["oui", "OUI"],
    ]) {
      const before = repliesTo(rush, buyer.phone).length;
      const posted = performance.now();
      await postWebhook(rush, messageEvent(buyer.phone, text).body);
      await until(() => repliesTo(rush, buyer.phone).length > before);
      const reply = repliesTo(rush, buyer.phone)[before];
      if (reply !== undefined) buyer[step] = reply - posted;
    }
  });
  const rushWallMs = Math.max(...buyers.map((b) => repliesTo(rush, b.phone).at(-1) ?? 0)) - started;
  await sleep(2_000);
  const rushWrites = await busiestDocumentBetween(rushFrom, Date.now());
  const unanswered = buyers.filter((b) => repliesTo(rush, b.phone).length < 2).length;
  const cardLatencies = buyers.map((b) => b.keyword).filter((t) => t !== undefined);
  const ouiLatencies = buyers.map((b) => b.oui).filter((t) => t !== undefined);
  const orders = (await firestore.collection("vendors").doc(rush.vendorId).collection("orders").get()).docs;
  // An order whose items cannot be read counts no unit: the stock then does not add up (a miss, not a crash).
  const unitsOrdered = orders.reduce(
    (sum, doc) => sum + (doc.get("items") ?? []).reduce((s, item) => s + (item.quantity ?? 0), 0),
    0,
  );
  const stockLeft = await unitsLeft(rushProduct);
  const oversold = Math.max(0, unitsOrdered - RUSH_STOCK) + Math.max(0, -(stockLeft ?? 0));
  const stockAddsUp = stockLeft === undefined || unitsOrdered + stockLeft === RUSH_STOCK;
  const stockText = stockLeft === undefined ? "stock left not readable" : `stock left ${stockLeft}`;
  const rushLatency = `OUI → reply p50 ${ms(p50(ouiLatencies))}, p99 ${ms(p99(ouiLatencies))}; keyword → card p50 ${ms(p50(cardLatencies))}, p99 ${ms(p99(cardLatencies))}`;
  say(
    `  rush: ${RUSH_BUYERS * 2} messages in ${ms(rushWallMs)}, ${orders.length} orders for ${unitsOrdered} units of ${RUSH_STOCK}, ${stockText}, oversold ${oversold}, unanswered ${unanswered}; ${rushLatency}`,
  );
  say(
    `  rush busiest document: ${describeBusiest(rushWrites.busiest)}; ${rushWrites.writes.length} writes logged, ${inboundCreates(rushWrites.writes)} inbound messages created for ${RUSH_BUYERS * 2} POSTs`,
  );
  await wasender.close();

  const rows = [
    row({
      figure: `scale: ${VENDORS} vendors × ${CUSTOMERS} customers, POST → reply at Wasender, throughput vs the bare function (${MOVED})`,
      measured: `${rate.toFixed(1)} messages/s (${messages.length} in ${ms(wallMs)}); the bare function alone: ${bareRate.toFixed(1)} requests/s`,
      ratio: rate / bareRate,
    }),
    row({
      figure: `scale: POST → reply p50 (ratio to ${ms(LATENCY_BEFORE_MS)} before the rework; ${MOVED})`,
      measured: `p50 ${ms(p50(latencies))}, p99 ${ms(p99(latencies))}`,
      ratio: p50(latencies) / LATENCY_BEFORE_MS,
    }),
    row({
      figure: "scale: reply trigger runs (how the Firestore emulator hands them their events)",
      measured: describeTriggerRuns(triggerRuns),
    }),
    busiestRow("scale", scaleWrites.busiest),
    row({ figure: "scale: messages lost (no reply)", target: "0", measured: String(lost), pass: lost === 0 }),
    row({
      figure: "scale: messages answered twice",
      target: "0",
      measured: String(duplicated),
      pass: duplicated === 0,
    }),
    row({ figure: `order steps through Hosting, POST → reply (${FLOW_BUYERS} buyers at once)`, measured: flow }),
    row({
      figure: `order steps sent in a burst (ROBE1, 1, OUI), replies in order`,
      target: `all ${FLOW_BUYERS}`,
      measured: String(FLOW_BUYERS - outOfOrder.length),
      pass: outOfOrder.length === 0,
    }),
    row({
      figure: `rush: ${RUSH_BUYERS} buyers, ${RUSH_BUYERS * 2} messages, ${RUSH_STOCK} units: oversold`,
      target: "0",
      measured: `${oversold} (${orders.length} orders, ${unitsOrdered} units, ${stockText})`,
      pass: oversold === 0 && stockAddsUp,
    }),
    row({
      figure: "rush: buyers answered (keyword and OUI)",
      target: `all ${RUSH_BUYERS}`,
      measured: `${RUSH_BUYERS - unanswered}; all in ${ms(rushWallMs)}`,
      pass: unanswered === 0,
    }),
    row({
      figure: `rush: OUI → reply p50 vs keyword → card p50 (${MOVED})`,
      measured: `${ms(p50(ouiLatencies))} vs ${ms(p50(cardLatencies))}`,
      ratio: p50(ouiLatencies) / p50(cardLatencies),
    }),
    row({
      figure: `rush: OUI → reply p99 vs keyword → card p99 (${MOVED})`,
      measured: `${ms(p99(ouiLatencies))} vs ${ms(p99(cardLatencies))}`,
      ratio: p99(ouiLatencies) / p99(cardLatencies),
    }),
    busiestRow("rush", rushWrites.busiest),
  ];
  return {
    rows,
    details: `${VENDORS} vendors onboarded by writing their \`waba_instances\` and \`vendor_configs\` documents and a product (the onboarding trigger indexed them all in ${ms(onboardingMs)}). Each of ${CUSTOMERS} customers per vendor sent "Bonjour" once through Hosting, vendors interleaved, ${CONCURRENCY} messages in flight from POST to reply; each reply went through the reply trigger, which sent it to the fake Wasender (a connected Wasender number without pacing: the first attempt leaves from the deciding run). Throughput: messages over the time from the first POST to the last reply; the ratio compares it to the bare bench function's requests per second through Hosting at the same concurrency (an acknowledgement alone). Order steps: ${FLOW_BUYERS} buyers at once, each sending ROBE1, 2, OUI and waiting for each reply; then ${FLOW_BUYERS} more sending ROBE1, 1, OUI without waiting (the card, the recap and the reservation must arrive in that order). A quiet Tasks emulator polls a waiting task once a second (firebase-tools 14.18; production Cloud Tasks does not), which shows in these times. The rush: ${RUSH_BUYERS} buyers, ${RUSH_AT_ONCE} at a time (a new buyer starts as one is answered), each sending "RUSH1 1" (the product with a quantity: the card with its total), waiting for that reply as a buyer reads it, then "OUI", for a product with ${RUSH_STOCK} units (the vendor's per-vendor rate limit raised for the live); a buyer is answered when both messages got their reply (a reservation, or what is left). Keyword → card and OUI → reply run from each POST to its own reply, so the two compare the reservation's work with the card's under the same load: a reservation waiting on a lock (the stock) shows as the ratio. The rush took ${ms(rushWallMs)}. Busiest document: every document write the functions made, logged as it was committed in the Functions emulator's workers (a preload, \`bench/lib/worker-writes.mjs\`), during the scale run (from its first POST to 2 s after its last reply) and during the rush; the most writes one document received in any ${WINDOW_MS / 1000} s window, per second. Reply trigger runs: every run of a function, timed in the workers from the emulator's request to the answer (a second preload, \`bench/lib/worker-runs.mjs\`), those of \`${REPLY_TRIGGER}\` during the scale run. The log's check: ${scaleInbound} inbound messages created for ${messages.length} POSTs in the scale run (one each), ${inboundCreates(rushWrites.writes)} for ${RUSH_BUYERS * 2} in the rush; in all ${scaleWrites.writes.length} and ${rushWrites.writes.length} writes logged. Scale: ${describeBusiest(scaleWrites.busiest)} (${scaleWrites.busiest?.document ?? "none"}); rush: ${describeBusiest(rushWrites.busiest)} (${rushWrites.busiest?.document ?? "none"}).`,
  };
}

/**
 * The reply trigger's runs during the scale run, timed in the Functions emulator's workers (a preload,
 * bench/lib/worker-runs.mjs): with a backlog of events, one run at a time and the emulator's wait
 * between them bound the throughput, whatever the machine's other capacity.
 */
function describeTriggerRuns(runs) {
  if (!runs) return "no run logged";
  const ceiling = 1000 / (runs.runP50 + runs.gapP50);
  return `${runs.count} runs, at most ${runs.atOnce} at once; each run p50 ${ms(runs.runP50)}, the emulator's wait between one run's end and the next one's start p50 ${ms(runs.gapP50)}; a run under way ${(runs.busyShare * 100).toFixed(0)}% of the time; ${runs.perSecond.toFixed(1)} runs/s, one after another: at most ${ceiling.toFixed(1)}/s`;
}

/** "busiest document (scale)": its writes per second in its busiest 10 s window, at most one. */
function busiestRow(stretch, busiest) {
  return row({
    figure: `busiest document (${stretch}), writes in its busiest ${WINDOW_MS / 1000} s window`,
    target: `≤ ${DOCUMENT_WRITES_LIMIT}/s`,
    measured: describeBusiest(busiest),
    ratio: (busiest?.perSecond ?? 0) / DOCUMENT_WRITES_LIMIT,
    pass: (busiest?.perSecond ?? 0) <= DOCUMENT_WRITES_LIMIT,
  });
}

/**
 * The units a product has left: the sum of its stock shards when it has them
 * (`products/{p}/stock_shards/{k}`, each a `units` count), else its own `stock`; undefined when the
 * shards hold no `units` number.
 */
async function unitsLeft(product) {
  const shards = await product.collection("stock_shards").get();
  if (shards.empty) return (await product.get()).get("stock");
  const counts = shards.docs.map((shard) => shard.get("units"));
  return counts.every((count) => typeof count === "number") ? counts.reduce((a, b) => a + b, 0) : undefined;
}
