// The delivery simulator: the product's compiled reply trigger, send-attempt task handler and sweeps,
// run in this process against the Firestore emulator and the fake Wasender, with every document event
// and task delivered the way production may (delivery-queue.mjs: concurrent, at least once, out of
// order, runs that die at an await point), then the sweeps on their schedule, then the invariants
// (delivery-invariants.mjs). Seeded: it prints its seed, and the same seed makes the same choices.
import { startFakeWasender } from "../../scripts/lib/fake-wasender.mjs";
import { installCrashPoints, mortalProviders } from "./crash-points.mjs";
import { checkInvariants } from "./delivery-invariants.mjs";
import { DeliveryQueue } from "./delivery-queue.mjs";
import { BENCH_PROJECT, functionsInProcess, replyDeps, say as sayLine } from "./in-process.mjs";
import { drawsFor, newSeed } from "./seeded.mjs";
import { benchVendor, ROBE, writeVendors } from "./vendors.mjs";
import { batchEvent, messageEvent, signedHeaders } from "./wasender-events.mjs";

export const SIM_DEFAULTS = {
  buyers: 50,
  vendors: 5,
  concurrency: 8,
  maxDelayMs: 30,
  repeatShare: 0.1,
  crashShare: 0.05,
  /** Share of task enqueues that fail after the commit (the sweep is their net). */
  loseShare: 0.02,
  /** Share of buyers whose keyword and quantity come in one webhook (a Wasender batch). */
  batchShare: 0.3,
  retryDelayMs: 50,
  /** Sweep rounds at most, each once every delivery ended. */
  sweepRounds: 6,
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One simulated run. Resolves `{ seed, violations, stats, seconds }`; `say` gets one line with the seed
 * first (a violation is replayed with `seed`).
 */
export async function simulateDelivery(options = {}) {
  const o = { ...SIM_DEFAULTS, ...options };
  const seed = o.seed ?? newSeed();
  const say = o.say ?? sayLine;
  say(
    `[delivery-sim] seed ${seed}: ${o.buyers} buyers, ${o.vendors} vendors, concurrency ${o.concurrency}, ` +
      `${Math.round(o.repeatShare * 100)}% repeated, ${Math.round(o.crashShare * 100)}% crashed`,
  );
  const started = Date.now();
  const { lib, db, firestoreModule } = functionsInProcess();
  installCrashPoints(firestoreModule);
  const { handleWasenderWebhook } = lib("webhooks/wasender-webhook.js");
  const { handleNewMessage } = lib("replies/on-new-message.js");
  const { handleAttemptTask } = lib("outbound/deliver.js");
  const { taskIdFor } = lib("outbound/dispatch.js");
  const { inboundMessageId } = lib("store/conversations.js");
  const { redriveStuckInbound } = lib("replies/reply-to-inbound.js");
  const { sweepOutbound } = lib("outbound/sweep.js");
  const { DEFAULT_TEMPLATES } = lib("engine/wording.js");

  // The sweeps look at the whole project: what an earlier run left there (its fake provider gone) is cleared.
  await clearProject();
  const wasender = await startFakeWasender();
  const queue = new DeliveryQueue({ seed, ...o });
  const tasks = { lost: 0, seen: new Set() };
  // Cloud Tasks: a task id is enqueued once (the queue refuses it again); an enqueue may fail.
  tasks.schedule = async (dispatches) => {
    for (const { at, ...task } of dispatches) {
      const id = taskIdFor(task);
      if (tasks.seen.has(id)) continue;
      tasks.seen.add(id);
      if (drawsFor(seed, `enqueue ${id}`)() < o.loseShare) {
        tasks.lost += 1;
        continue;
      }
      queue.deliver(`task ${id}`, () => handleAttemptTask(task, deps), { at: at ?? 0 });
    }
  };
  const deps = replyDeps({ wasenderApiUrl: wasender.apiUrl, queue: tasks });
  mortalProviders(deps.providers);

  try {
    const prefix = `sim${seed.toString(36)}${started.toString(36)}`;
    const vendors = Array.from({ length: o.vendors }, (_, i) =>
      benchVendor(prefix, i, { series: seed % 10, apiUrl: wasender.apiUrl, products: { robe1: ROBE } }),
    );
    await writeVendors(db, vendors);

    /** A webhook as Wasender posts it; each message it stored becomes a document event. */
    async function post(vendor, customer, body) {
      const response = await handleWasenderWebhook({
        method: "POST",
        path: `/${vendor.vendorId}`,
        headers: signedHeaders(vendor.secret),
        rawBody: Buffer.from(body),
      });
      if (response.status !== 200) throw new Error(`the webhook answered ${response.status}`);
      const ids = [];
      for (const result of response.body.results) {
        if (result.outcome !== "stored") continue;
        const messageId = inboundMessageId(result.waMessageId);
        ids.push(messageId);
        const path = { vendorId: vendor.vendorId, customer, messageId };
        const ref = db.doc(`vendors/${vendor.vendorId}/conversations/${customer}/messages/${messageId}`);
        const data = (await ref.get()).data();
        const eventTime = new Date(Date.now()).toISOString();
        queue.deliver(`event ${ref.path}`, () => handleNewMessage(path, data, deps, eventTime));
      }
      return ids;
    }

    // Each buyer: a greeting, a keyword, a quantity (the last two in one webhook for a share of them).
    const buyers = await Promise.all(
      Array.from({ length: o.buyers }, async (_, n) => {
        const vendor = vendors[n % vendors.length];
        const customer = `+22177${seed % 10}${String(n).padStart(6, "0")}`;
        const draw = drawsFor(seed, `buyer ${n}`);
        const phone = customer.slice(1);
        const inboundIds = [];
        await sleep(draw() * o.maxDelayMs);
        inboundIds.push(...(await post(vendor, customer, messageEvent(phone, "Bonjour").body)));
        await sleep(draw() * o.maxDelayMs);
        if (draw() < o.batchShare)
          inboundIds.push(...(await post(vendor, customer, batchEvent(phone, ["ROBE1", "2"]))));
        else {
          inboundIds.push(...(await post(vendor, customer, messageEvent(phone, "ROBE1").body)));
          await sleep(draw() * o.maxDelayMs);
          inboundIds.push(...(await post(vendor, customer, messageEvent(phone, "2").body)));
        }
        return { vendor, customer, inboundIds };
      }),
    );
    await queue.idle();

    // The sweeps, once every delivery ended: minutes of waiting are skipped (the product's clock cannot
    // move: the Firestore client's transactions rely on it), so they run with no staleness threshold,
    // and a lease a dead sender held is set to have run out, as it would have by the next sweep.
    let rounds = 0;
    for (; rounds < o.sweepRounds && (await somethingMoves(db, vendors)); rounds++) {
      await expireLeases(db, vendors);
      await redriveStuckInbound(deps, 0);
      await sweepOutbound(deps, { staleMs: 0 });
      await queue.idle();
    }

    const notUnderstood = DEFAULT_TEMPLATES.fr.notUnderstood.split("{")[0];
    const violations = await checkInvariants({ db, wasender, buyers, notUnderstood });
    const stats = { ...queue.stats, gaveUp: queue.stats.gaveUp.length, lostTasks: tasks.lost, sweepRounds: rounds };
    const seconds = (Date.now() - started) / 1000;
    say(
      `[delivery-sim] seed ${seed}: ${violations.length} violation(s); ${stats.deliveries} deliveries, ` +
        `${stats.repeated} repeated (${stats.sameMoment} at the same moment), ${stats.died} died, ` +
        `${stats.lostTasks} tasks lost, ${stats.sweepRounds} sweep round(s), ${wasender.sends.length} sends`,
    );
    for (const violation of violations.slice(0, 20)) say(`[delivery-sim] seed ${seed}: ${violation}`);
    return { seed, violations, stats, sends: wasender.sends.length, seconds };
  } finally {
    await wasender.close();
  }
}

/** Closes the provider clients the runs opened (once the process is done simulating). */
export async function closeSimulator() {
  await functionsInProcess().lib("providers/services.js").getProviderServices().close();
}

/** Empties the simulator's own Firestore project on the emulator. */
async function clearProject() {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error("the delivery simulator runs against the Firestore emulator (FIRESTORE_EMULATOR_HOST)");
  const url = `http://${host}/emulator/v1/projects/${BENCH_PROJECT}/databases/(default)/documents`;
  const response = await fetch(url, { method: "DELETE" });
  if (!response.ok) throw new Error(`clearing ${BENCH_PROJECT} on the emulator answered ${response.status}`);
}

/** The conversations of these vendors. */
async function conversationsOf(db, vendors) {
  const all = await Promise.all(
    vendors.map((vendor) => db.collection("vendors").doc(vendor.vendorId).collection("conversations").get()),
  );
  return all.flatMap((snap) => snap.docs.map((doc) => doc.ref));
}

/** Whether any inbound message of these vendors is still pending, or any reply queued or sending. */
async function somethingMoves(db, vendors) {
  for (const conversation of await conversationsOf(db, vendors)) {
    const [pending, moving] = await Promise.all([
      conversation.collection("messages").where("processing.state", "==", "pending").limit(1).get(),
      conversation.collection("outbound").where("status", "in", ["queued", "sending"]).limit(1).get(),
    ]);
    if (!pending.empty || !moving.empty) return true;
  }
  return false;
}

/** With no run alive, every reply still `sending` lost its sender: its lease is made to have run out. */
async function expireLeases(db, vendors) {
  const { Timestamp } = functionsInProcess().firestoreModule;
  for (const conversation of await conversationsOf(db, vendors)) {
    const sending = await conversation.collection("outbound").where("status", "==", "sending").get();
    for (const doc of sending.docs)
      await doc.ref.update({ "delivery.leaseExpiresAt": Timestamp.fromMillis(Date.now() - 1000) });
  }
}
