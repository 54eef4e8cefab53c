// The delivery simulator: the product's compiled reply trigger, send-attempt task handler, order
// trigger, payment callbacks and scheduled jobs, run in this process against the Firestore emulator and
// the fake providers, with every document event, task and callback delivered the way production may
// (delivery-queue.mjs: concurrent, at least once, out of order, runs that die at an await point, whole
// instances dying), the scheduled jobs on their schedule during the deliveries, a workload
// (sim-workloads.mjs), then the invariants (delivery-invariants.mjs). Seeded: it prints its seed, and
// the same seed makes the same choices.
import { startFakeMeta } from "../../scripts/lib/fake-meta.mjs";
import { startFakeWasender } from "../../scripts/lib/fake-wasender.mjs";
import { installCrashPoints, mortalProviders } from "./crash-points.mjs";
import { checkInvariants } from "./delivery-invariants.mjs";
import { DeliveryQueue } from "./delivery-queue.mjs";
import { BENCH_PROJECT, functionsInProcess, replyDeps, say as sayLine } from "./in-process.mjs";
import { drawsFor, newSeed } from "./seeded.mjs";
import { WORKLOADS } from "./sim-workloads.mjs";
import { countTransactionRetries, resetTransactionRetries, transactionRetries } from "./tx-contention.mjs";
import { signedHeaders } from "./wasender-events.mjs";

export const SIM_DEFAULTS = {
  /** `buyers`, `rush`, `scale` or `faults` (sim-workloads.mjs). */
  workload: "buyers",
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
  /** Share of buyers who confirm (OUI) and, once reserved, pay. */
  orderShare: 0.6,
  /** Units of the product on sale (the buyers workload; the rush sets its own). */
  stock: 60,
  retryDelayMs: 50,
  /** The scheduled jobs (outbound sweep, stuck inbound, reservations) run once every this long. */
  scheduleEveryMs: 700,
  /** What the scheduled jobs take as "stale" (production: 2 minutes; runs here last milliseconds). */
  staleMs: 1500,
  /** A reservation is due for expiry this long after it was made (production: the vendor's minutes). */
  reservationMs: 4000,
  /** A whole instance dies about once every this long during the deliveries (0: never). */
  instanceDeathEveryMs: 5000,
  /**
   * A run still going after this long is stopped (production: the function's timeout, 60 s), and a send
   * lease older than this has no live holder: it is made to have run out (production: 60 s).
   */
  runTimeoutMs: 5000,
  /** Sweep rounds at most once every delivery ended. */
  sweepRounds: 8,
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How often a webhook is posted before the simulator gives up on it (a provider's retries). */
const WEBHOOK_ATTEMPTS = 5;

/**
 * One simulated run. Resolves `{ seed, violations, stats, figures, sends, seconds }`; `say` gets one line
 * with the seed first (a violation is replayed with `seed`).
 */
export async function simulateDelivery(options = {}) {
  const o = { ...SIM_DEFAULTS, ...options };
  const seed = o.seed ?? newSeed();
  const say = o.say ?? sayLine;
  const workload = WORKLOADS[o.workload];
  if (!workload) throw new Error(`no workload "${o.workload}" (${Object.keys(WORKLOADS).join(", ")})`);
  say(
    `[delivery-sim] seed ${seed}: workload ${o.workload}, ${workload.describe(o)}, concurrency ${o.concurrency}, ` +
      `${Math.round(o.repeatShare * 100)}% repeated, ${Math.round(o.crashShare * 100)}% crashed`,
  );
  const started = Date.now();
  const { lib, db, firestoreModule } = functionsInProcess();
  installCrashPoints(firestoreModule);
  countTransactionRetries(firestoreModule);
  resetTransactionRetries();
  const { handleWasenderWebhook } = lib("webhooks/wasender-webhook.js");
  const { handleNewMessage } = lib("replies/on-new-message.js");
  const { handleAttemptTask } = lib("outbound/deliver.js");
  const { taskIdFor } = lib("outbound/dispatch.js");
  const { inboundMessageId } = lib("store/conversations.js");
  const { redriveStuckInbound } = lib("replies/reply-to-inbound.js");
  const { sweepOutbound } = lib("outbound/sweep.js");
  const { handleOrderWritten } = lib("orders/order-lifecycle.js");
  const { sweepReservations } = lib("orders/reservation-sweep.js");
  const { applyPayment } = lib("payments/apply-payment.js");
  const { DEFAULT_TEMPLATES } = lib("engine/wording.js");

  // The sweeps look at the whole project: what an earlier run left there (its fake provider gone) is cleared.
  await clearProject();
  // What each buyer received, as it arrives (`apiKey to`, or `meta phoneNumberId +to`), and who waits for it.
  const received = new Map();
  const replyWaiters = [];
  const arrived = (key) => (send) => {
    const list = received.get(key(send)) ?? [];
    list.push(send);
    received.set(key(send), list);
    for (const waiter of replyWaiters.splice(0)) waiter();
  };
  const [wasender, meta] = await Promise.all([
    startFakeWasender({ onSend: arrived((send) => `${send.apiKey} ${send.to}`) }),
    startFakeMeta({ onSend: arrived((send) => `meta ${send.phoneNumberId} +${send.to}`) }),
  ]);
  const queue = new DeliveryQueue({ seed, ...o });
  const tasks = { lost: 0, seen: new Set(), loseShareOf: () => o.loseShare };
  // Cloud Tasks: a task id is enqueued once (the queue refuses it again); an enqueue may fail.
  tasks.schedule = async (dispatches) => {
    for (const { at, ...task } of dispatches) {
      const id = taskIdFor(task);
      if (tasks.seen.has(id)) continue;
      tasks.seen.add(id);
      if (drawsFor(seed, `enqueue ${id}`)() < tasks.loseShareOf(task.vendorId)) {
        tasks.lost += 1;
        continue;
      }
      queue.deliver(`task ${id}`, () => handleAttemptTask(task, deps), { at: at ?? 0 });
    }
  };
  const deps = replyDeps({ wasenderApiUrl: wasender.apiUrl, queue: tasks });
  // The orders' own path refreshes the stock views from a task; here they are not needed (the shards are the truth).
  mortalProviders(deps.providers);

  const prefix = `sim${seed.toString(36)}${started.toString(36)}`;
  const timers = [];
  let unsubscribe = () => {};
  try {
    let webhookRetries = 0;
    /**
     * A webhook as Wasender posts it, again after a failure as a provider retries one not answered 2xx
     * (a read it shared with a run that died fails here: in production that read would have gone on);
     * each message it stored becomes a document event. Resolves the ids.
     */
    async function post(vendor, customer, body) {
      let response;
      let retried = false;
      for (let attempt = 1; ; attempt++) {
        response = await handleWasenderWebhook({
          method: "POST",
          path: `/${vendor.vendorId}`,
          headers: signedHeaders(vendor.secret),
          rawBody: Buffer.from(body),
        }).catch((error) => ({ status: 500, error }));
        if (response.status === 200 || attempt === WEBHOOK_ATTEMPTS) break;
        webhookRetries += 1;
        retried = true;
        await sleep(50 * attempt);
      }
      if (response.status !== 200)
        throw new Error(`the webhook answered ${response.status} ${WEBHOOK_ATTEMPTS} times`, { cause: response.error });
      const ids = [];
      for (const result of response.body.results) {
        // A message a failed attempt stored comes back "duplicate": its document's event still happens.
        if (result.outcome !== "stored" && !(retried && result.outcome === "duplicate")) continue;
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

    /**
     * A verified payment callback for an order, as its provider posts it `times` times (a callback not
     * answered 2xx comes again): applied from the verified payment on (the signature check is the
     * webhook's, not delivery's).
     */
    function pay(vendorId, order, times) {
      const payment = {
        provider: "wave",
        reference: order.reference,
        transactionId: `T_${order.reference}`,
        outcome: "succeeded",
        amount: order.total,
        currency: order.currency,
      };
      const draw = drawsFor(seed, `pay ${order.reference}`);
      for (let n = 0; n < times; n++)
        queue.deliver(`callback ${vendorId}/${order.reference}/${n}`, () => applyPayment(vendorId, payment, deps), {
          at: Date.now() + draw() * 400,
          once: true,
        });
    }

    /** Resolves once `done()` holds or after `timeoutMs` (the reply was lost: the invariants say so). */
    async function until(done, timeoutMs = 60_000) {
      const stopAt = Date.now() + timeoutMs;
      while (!done() && Date.now() < stopAt)
        await new Promise((resolve) => {
          replyWaiters.push(resolve);
          setTimeout(resolve, 200);
        });
      return done();
    }

    const sim = {
      o,
      seed,
      db,
      lib,
      prefix,
      wasender,
      meta,
      queue,
      tasks,
      deps,
      post,
      pay,
      until,
      say,
      sleep,
      /** The sends that reached a buyer from a vendor's number(s), in the order they arrived. */
      repliesTo: (vendor, customer) =>
        [
          ...(received.get(`${vendor.apiKey} ${customer}`) ?? []),
          ...((vendor.metaPhoneNumberId && received.get(`meta ${vendor.metaPhoneNumberId} ${customer}`)) || []),
        ].sort((a, b) => a.at - b.at),
      products: [],
      payments: [],
      notUnderstood: DEFAULT_TEMPLATES.fr.notUnderstood.split("{")[0],
      thanks: DEFAULT_TEMPLATES.fr.paymentThanks.split("{")[0],
      vendors: [],
      buyers: [],
      figures: {},
    };

    // Every write of an order is an event of the order trigger (production: onOrderWritten).
    unsubscribe = db.collectionGroup("orders").onSnapshot(
      (snap) => {
        for (const change of snap.docChanges()) {
          if (change.type === "removed") continue;
          const ref = change.doc.ref;
          const at = change.doc.updateTime?.toMillis() ?? Date.now();
          queue.deliver(`event ${ref.path}@${at}`, () => handleOrderWritten(ref.parent.parent.id, ref.id, deps));
        }
      },
      (error) => say(`[delivery-sim] seed ${seed}: the order listener failed: ${error}`),
    );

    // The scheduled jobs on their schedule while the buyers write (a scheduled run that died is not run
    // again: the next one comes). The reservations' job sees the clock moved so that a reservation made
    // `reservationMs` ago is due.
    let round = 0;
    const jobsRunning = new Set();
    const reservationShift = 10 * 60_000 - o.reservationMs;
    const schedule = () => {
      round += 1;
      const jobs = {
        outbound: () => sweepOutbound(deps, { staleMs: o.staleMs }),
        inbound: () => redriveStuckInbound(deps, o.staleMs),
        reservations: () => sweepReservations(new Date(Date.now() + reservationShift), deps),
      };
      // A job whose last run is still going skips this round.
      for (const [name, job] of Object.entries(jobs)) {
        if (jobsRunning.has(name)) continue;
        jobsRunning.add(name);
        queue.deliver(`schedule ${name} ${round}`, () => job().finally(() => jobsRunning.delete(name)), {
          retry: false,
          once: true,
        });
      }
      // The clock, for the leases only: a lease older than a run's timeout is held by no live run.
      void expireLeases(db, { claimedBefore: Date.now() - o.runTimeoutMs - 500 }).catch(() => {});
    };
    if (o.scheduleEveryMs > 0) timers.push(setInterval(schedule, o.scheduleEveryMs));
    if (o.instanceDeathEveryMs > 0) {
      let deaths = 0;
      const next = () => {
        const draw = drawsFor(seed, `instance death ${deaths++}`);
        const wait = o.instanceDeathEveryMs * (0.5 + draw());
        const instance = Math.floor(draw() * queue.instances);
        timers.push(
          setTimeout(() => {
            queue.killInstance(instance);
            next();
          }, wait),
        );
      };
      next();
    }

    await workload.run(sim);
    // The scheduled jobs go on while anything else is delivered; then they stop.
    while (!queue.quiet()) await sleep(100);
    for (const timer of timers) clearTimeout(timer);
    await queue.idle();

    // The sweeps, once every delivery ended: minutes of waiting are skipped (the product's clock cannot
    // move: the Firestore client's transactions rely on it), so they run with no staleness threshold,
    // and a lease a dead sender held is set to have run out, as it would have by the next sweep.
    let rounds = 0;
    for (; rounds < o.sweepRounds && (await somethingMoves(db, sim.vendors)); rounds++) {
      await expireLeases(db);
      await redriveStuckInbound(deps, 0);
      await sweepOutbound(deps, { staleMs: 0 });
      await queue.idle();
    }
    unsubscribe();
    await queue.idle();

    const tally = { failed: 0 };
    const violations = [
      ...(await checkInvariants({ ...sim, sends: sendsByBuyer(sim), tally })),
      ...((await workload.check?.(sim)) ?? []),
    ];
    const stats = {
      ...queue.stats,
      gaveUp: queue.stats.gaveUp.length,
      webhookRetries,
      lostTasks: tasks.lost,
      sweepRounds: rounds,
      scheduledRounds: round,
    };
    const seconds = (Date.now() - started) / 1000;
    const sends = wasender.sends.length + meta.sends.length;
    say(
      `[delivery-sim] seed ${seed}: ${violations.length} violation(s); ${stats.deliveries} deliveries, ` +
        `${stats.repeated} repeated (${stats.sameMoment} at the same moment), ${stats.died} died ` +
        `(${stats.killed} with ${stats.instanceDeaths} instance deaths, ${stats.timedOut} at their timeout), ` +
        `${stats.threw} threw, ${stats.lostTasks} tasks lost, ` +
        `${round} scheduled rounds, ${stats.sweepRounds} final sweep round(s), ${stats.webhookRetries} webhooks posted again, ` +
        `${sends} sends, ${seconds.toFixed(1)} s`,
    );
    for (const violation of violations.slice(0, 20)) say(`[delivery-sim] seed ${seed}: ${violation}`);
    const checked = {
      buyers: sim.buyers.length,
      products: sim.products.length,
      payments: sim.payments.length,
      failed: tally.failed,
    };
    return { seed, violations, stats, checked, figures: sim.figures, retries: transactionRetries(), sends, seconds };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    unsubscribe();
    await Promise.all([wasender.close(), meta.close()]);
  }
}

/**
 * What each buyer received, in the order it arrived, whichever provider sent it: `apiKey to` -> texts.
 * A Meta send is put under the Wasender key of the number it failed over from.
 */
function sendsByBuyer(sim) {
  const keyOfMeta = new Map(sim.vendors.filter((v) => v.metaPhoneNumberId).map((v) => [v.metaPhoneNumberId, v.apiKey]));
  const all = [
    ...sim.wasender.sends.map((send) => ({ key: `${send.apiKey} ${send.to}`, text: send.text ?? "", at: send.at })),
    ...sim.meta.sends.map((send) => ({
      key: `${keyOfMeta.get(send.phoneNumberId) ?? send.phoneNumberId} +${send.to}`,
      text: send.text ?? "",
      at: send.at,
    })),
  ].sort((a, b) => a.at - b.at);
  const byBuyer = new Map();
  for (const { key, text } of all) {
    if (!byBuyer.has(key)) byBuyer.set(key, []);
    byBuyer.get(key).push(text);
  }
  return byBuyer;
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

/** Whether any inbound message of these vendors is still pending, or any reply not ended. */
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

/**
 * A reply `sending` whose send lease was taken before `claimedBefore` (default: now, with no run alive)
 * lost its sender: its lease is made to have run out, as it would have by production's clock.
 */
async function expireLeases(db, { claimedBefore = Date.now() } = {}) {
  const { Timestamp } = functionsInProcess().firestoreModule;
  const { SEND_LEASE_MS } = functionsInProcess().lib("outbound/claim.js");
  const sending = await db.collectionGroup("outbound").where("status", "==", "sending").get();
  for (const doc of sending.docs) {
    const lease = doc.get("delivery.leaseExpiresAt");
    const claimedAt = (lease?.toMillis?.() ?? 0) - SEND_LEASE_MS;
    if (lease && claimedAt < claimedBefore && lease.toMillis() > Date.now())
      await doc.ref
        .update(
          { "delivery.leaseExpiresAt": Timestamp.fromMillis(Date.now() - 1000) },
          { lastUpdateTime: doc.updateTime }, // unless it moved meanwhile
        )
        .catch(() => {});
  }
}
