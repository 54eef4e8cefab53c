// What the buyers (and the providers) do during a simulated delivery run (delivery-sim.mjs), one
// workload each, chosen by name; every choice is drawn from the run's seed:
// - buyers: a greeting, a keyword and a quantity (the last two in one Wasender batch for a share), then,
//   for a share, OUI on a product with little stock and, once reserved, a payment callback 1-3 times;
// - rush: one vendor, one product with few units, many buyers each sending "RUSH1 1" then OUI (timed),
//   a share paying (callbacks repeated);
// - scale: many vendors x buyers, each buyer one greeting, timed from its POST to its reply, after lone
//   messages timed the same way;
// - faults: a number failing over from Wasender (503s) to Meta, a number disconnected while a long
//   backlog of replies waits for it, then reconnected, a number whose task enqueues are half lost, and a
//   number Wasender refuses (every reply fails, each with its alert).
import { p50, p99 } from "./stats.mjs";
import { drawsFor } from "./seeded.mjs";
import { benchVendor, ROBE, writeVendors } from "./vendors.mjs";
import { batchEvent, messageEvent } from "./wasender-events.mjs";

const RESERVED = /^Commande \*([A-Z0-9-]+)\* réservée/;
const customerOf = (seed, series, n) => `+2217${7 + (series % 3)}${seed % 10}${String(n).padStart(6, "0")}`;

/** Runs `work` over `items`, `atOnce` at a time. */
async function inPool(items, atOnce, work) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
}

/** A product on sale with `stock` units, spread over its shards (what onProductWritten does). */
async function onSale(sim, vendor, productId, stock) {
  await sim.lib("store/stock-shards.js").spreadStock(vendor.vendorId, productId);
  sim.products.push({ vendorId: vendor.vendorId, productId, stock });
}

/** Posts one text and resolves the time from the POST to the buyer's next reply (undefined: none came). */
async function timed(sim, vendor, customer, text, ids) {
  const before = sim.repliesTo(vendor, customer).length;
  const posted = Date.now();
  ids.push(...(await sim.post(vendor, customer, messageEvent(customer.slice(1), text).body)));
  const came = await sim.until(() => sim.repliesTo(vendor, customer).length > before);
  return came ? sim.repliesTo(vendor, customer)[before].at - posted : undefined;
}

/** Once the buyer's reservation came (within `timeoutMs`), its payment callback, `times` times. */
async function payWhenReserved(sim, vendor, customer, times, timeoutMs = 30_000) {
  let reference;
  await sim.until(() => {
    reference = sim
      .repliesTo(vendor, customer)
      .map((reply) => RESERVED.exec(reply.text ?? "")?.[1])
      .find(Boolean);
    return reference !== undefined;
  }, timeoutMs);
  if (!reference) return;
  const order = (
    await sim.db.collection("vendors").doc(vendor.vendorId).collection("orders").doc(reference).get()
  ).data();
  if (!order) return;
  sim.payments.push({ vendorId: vendor.vendorId, customer, reference, apiKey: vendor.apiKey });
  sim.pay(vendor.vendorId, { reference, total: order.total, currency: order.currency }, times);
}

const summary = (values) => ({ n: values.length, p50: p50(values), p99: p99(values) });

export const WORKLOADS = {
  buyers: {
    describe: (o) => `${o.buyers} buyers, ${o.vendors} vendors, ${o.stock} units each`,
    async run(sim) {
      const { o, seed } = sim;
      const vendors = Array.from({ length: o.vendors }, (_, i) =>
        benchVendor(sim.prefix, i, {
          series: seed % 10,
          apiUrl: sim.wasender.apiUrl,
          products: { robe1: { ...ROBE, stock: o.stock } },
        }),
      );
      await writeVendors(sim.db, vendors);
      for (const vendor of vendors) await onSale(sim, vendor, "robe1", o.stock);
      sim.vendors.push(...vendors);
      await Promise.all(
        Array.from({ length: o.buyers }, async (_, n) => {
          const vendor = vendors[n % vendors.length];
          const customer = customerOf(seed, 0, n);
          const draw = drawsFor(seed, `buyer ${n}`);
          const phone = customer.slice(1);
          const buyer = { vendor, customer, inboundIds: [], quantityIds: [] };
          sim.buyers.push(buyer);
          await sim.sleep(draw() * o.maxDelayMs);
          buyer.inboundIds.push(...(await sim.post(vendor, customer, messageEvent(phone, "Bonjour").body)));
          await sim.sleep(draw() * o.maxDelayMs);
          if (draw() < o.batchShare) {
            const ids = await sim.post(vendor, customer, batchEvent(phone, ["ROBE1", "2"]));
            buyer.inboundIds.push(...ids);
            buyer.quantityIds.push(ids.at(-1));
          } else {
            buyer.inboundIds.push(...(await sim.post(vendor, customer, messageEvent(phone, "ROBE1").body)));
            await sim.sleep(draw() * o.maxDelayMs);
            const ids = await sim.post(vendor, customer, messageEvent(phone, "2").body);
            buyer.inboundIds.push(...ids);
            buyer.quantityIds.push(...ids);
          }
          if (draw() >= o.orderShare) return;
          await sim.sleep(draw() * o.maxDelayMs);
          buyer.inboundIds.push(...(await sim.post(vendor, customer, messageEvent(phone, "OUI").body)));
          await payWhenReserved(sim, vendor, customer, 1 + Math.floor(draw() * 3));
        }),
      );
    },
  },

  rush: {
    describe: (o) => `${o.buyers} buyers on ${o.stock} units, ${o.atOnce ?? 50} at once`,
    async run(sim) {
      const { o, seed } = sim;
      const vendor = benchVendor(sim.prefix, 0, {
        series: seed % 10,
        apiUrl: sim.wasender.apiUrl,
        config: { rateLimits: { perCustomerPerMinute: 10, perVendorPerMinute: 1_000_000 } },
        products: {
          rush: {
            keyword: "RUSH1",
            name: "Dernières pièces",
            price: 5000,
            currency: "XOF",
            stock: o.stock,
            active: true,
          },
        },
      });
      await writeVendors(sim.db, [vendor]);
      await onSale(sim, vendor, "rush", o.stock);
      sim.vendors.push(vendor);
      const card = [];
      const oui = [];
      const started = Date.now();
      await inPool(Array.from({ length: o.buyers }), o.atOnce ?? 50, async (_, n) => {
        const customer = customerOf(seed, 1, n);
        const buyer = { vendor, customer, inboundIds: [] };
        sim.buyers.push(buyer);
        const draw = drawsFor(seed, `rush buyer ${n}`);
        const toCard = await timed(sim, vendor, customer, "RUSH1 1", buyer.inboundIds);
        if (toCard !== undefined) card.push(toCard);
        const toReply = await timed(sim, vendor, customer, "OUI", buyer.inboundIds);
        if (toReply !== undefined) oui.push(toReply);
        if (draw() < (o.payShare ?? 0.5)) await payWhenReserved(sim, vendor, customer, 1 + Math.floor(draw() * 3), 0);
      });
      sim.figures.rush = { card: summary(card), oui: summary(oui), seconds: (Date.now() - started) / 1000 };
    },
  },

  scale: {
    describe: (o) => `${o.vendors} vendors x ${o.buyersPerVendor ?? 10} buyers, ${o.atOnce ?? 20} posting at once`,
    async run(sim) {
      const { o, seed } = sim;
      const perVendor = o.buyersPerVendor ?? 10;
      const vendors = Array.from({ length: o.vendors }, (_, i) =>
        benchVendor(sim.prefix, i, { series: seed % 10, apiUrl: sim.wasender.apiUrl }),
      );
      await writeVendors(sim.db, vendors);
      sim.vendors.push(...vendors);
      // Lone messages first, one at a time: the reference of the same run.
      const lone = [];
      for (let n = 0; n < (o.lone ?? 20); n++) {
        const customer = customerOf(seed, 2, n);
        const buyer = { vendor: vendors[n % vendors.length], customer, inboundIds: [] };
        sim.buyers.push(buyer);
        const took = await timed(sim, buyer.vendor, customer, "Bonjour", buyer.inboundIds);
        if (took !== undefined) lone.push(took);
      }
      const loaded = [];
      const started = Date.now();
      let last = started;
      const all = vendors.flatMap((vendor, v) =>
        Array.from({ length: perVendor }, (_, c) => ({ vendor, customer: customerOf(seed, 0, v * perVendor + c) })),
      );
      await inPool(all, o.atOnce ?? 20, async ({ vendor, customer }) => {
        const buyer = { vendor, customer, inboundIds: [] };
        sim.buyers.push(buyer);
        const took = await timed(sim, vendor, customer, "Bonjour", buyer.inboundIds);
        if (took !== undefined) {
          loaded.push(took);
          last = Math.max(last, sim.repliesTo(vendor, customer)[0].at);
        }
      });
      sim.figures.scale = {
        lone: summary(lone),
        loaded: summary(loaded),
        repliesPerSecond: loaded.length / ((last - started) / 1000),
      };
    },
  },

  faults: {
    describe: (o) =>
      `${o.buyers} buyers on 4 numbers (failing over, disconnected with a backlog, losing tasks, refused)`,
    async run(sim) {
      const { o, seed } = sim;
      const metaNumber = `10${String(seed).padStart(10, "0")}`.slice(0, 12);
      const meta = {
        metaPhoneNumberId: metaNumber,
        metaAccessToken: `meta-token-${seed}`,
        metaAppSecret: `meta-secret-${seed}-0123456789`,
        metaVerifyToken: `meta-verify-${seed}`,
        metaApiUrl: sim.meta.apiUrl,
      };
      const make = (i, instance = {}) =>
        benchVendor(sim.prefix, i, {
          series: seed % 10,
          apiUrl: sim.wasender.apiUrl,
          instance,
          products: { robe1: ROBE },
        });
      const failingOver = {
        ...make(0, { failoverProvider: "meta", failoverCooldownSeconds: 2, ...meta }),
        metaPhoneNumberId: metaNumber,
      };
      const disconnected = make(1);
      const losing = make(2);
      const refused = { ...make(3), mayFail: true };
      const vendors = [failingOver, disconnected, losing, refused];
      await writeVendors(sim.db, vendors);
      sim.vendors.push(...vendors);
      // Wasender answers 503 to the failing-over number for a while, and 401 to the refused one always.
      sim.wasender.injectFault({ status: 503, apiKey: failingOver.apiKey, path: "/api/send-message", times: 40 });
      sim.wasender.injectFault({ status: 401, apiKey: refused.apiKey, path: "/api/send-message", times: 1_000_000 });
      const loseShare = sim.tasks.loseShareOf;
      sim.tasks.loseShareOf = (vendorId) => (vendorId === losing.vendorId ? 0.5 : loseShare(vendorId));
      // The disconnected number: down from the start until its backlog is long, then back.
      const down = async (status) => {
        await sim.db.collection("waba_instances").doc(disconnected.wabaInstanceId).update({ status });
        await sim.db
          .collection("waba_runtime")
          .doc(disconnected.wabaInstanceId)
          .set({ status, sessionStatus: status }, { merge: true });
      };
      await down("disconnected");
      const backlogShare = o.backlogShare ?? 0.5;
      await Promise.all(
        Array.from({ length: o.buyers }, async (_, n) => {
          const draw = drawsFor(seed, `faults buyer ${n}`);
          const vendor = draw() < backlogShare ? disconnected : vendors[[0, 2, 3][Math.floor(draw() * 3)]];
          const customer = customerOf(seed, 0, n);
          const phone = customer.slice(1);
          const buyer = { vendor, customer, inboundIds: [] };
          sim.buyers.push(buyer);
          for (const text of ["Bonjour", "ROBE1", "MENU"]) {
            await sim.sleep(draw() * o.maxDelayMs);
            buyer.inboundIds.push(...(await sim.post(vendor, customer, messageEvent(phone, text).body)));
          }
        }),
      );
      // Wait until the backlog stands (every message of the disconnected number decided), then reconnect.
      await sim.until(() => sim.queue.quiet(), 60_000);
      sim.figures.backlog = await waitingFor(sim, disconnected);
      const ref = sim.db.collection("waba_instances").doc(disconnected.wabaInstanceId);
      const before = (await ref.get()).data();
      await down("connected");
      const after = (await ref.get()).data();
      // The instance trigger's event (onWabaInstanceWritten): a reconnected number resumes its replies.
      const { onInstanceWritten } = sim.lib("onboarding/on-instance-written.js");
      sim.queue.deliver(`event ${ref.path}@connected`, () =>
        onInstanceWritten(disconnected.wabaInstanceId, before, after, sim.deps),
      );
      await sim.sleep(o.scheduleEveryMs * 3);
    },
  },
};

/** How many replies wait for a number. */
async function waitingFor(sim, vendor) {
  const snap = await sim.db
    .collectionGroup("outbound")
    .where("wabaInstanceId", "==", vendor.wabaInstanceId)
    .where("status", "==", "queued")
    .get();
  return { waiting: snap.size };
}
