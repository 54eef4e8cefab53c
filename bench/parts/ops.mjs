// 3. Firestore operations per inbound message, counted where the Admin SDK talks to Firestore (see
// lib/op-counter.mjs), split by stage: the webhook, the decision (the reply trigger), the send (the
// task function: claim, send, record, link) and one delivery status. Each stage runs the product's
// compiled code in this process, one after the other, as the deployed functions would run them.
import { startFakeWasender } from "../../scripts/lib/fake-wasender.mjs";
import { functionsInProcess, replyDeps, say, TaskQueue } from "../lib/in-process.mjs";
import { describeOps, OpCounter, tally } from "../lib/op-counter.mjs";
import { row } from "../lib/table.mjs";
import { benchVendor, ROBE, writeVendors } from "../lib/vendors.mjs";
import { customerPhone, messageEvent, signedHeaders, statusEvent } from "../lib/wasender-events.mjs";

const STAGES = ["webhook", "decision", "send", "status"];
const GREETING_LIMIT = 10;
/** An order step's whole round trip (the quantity, the OUI), billed operations. */
const ORDER_STEP_LIMIT = 12;
const ORDERING_LIMIT = 2;
const BURST = ["ROBE1", "1", "OUI", "MENU", "merci"];

export async function run() {
  const { lib, db, firestoreModule } = functionsInProcess();
  const ops = new OpCounter().install(firestoreModule);
  const { handleWasenderWebhook } = lib("webhooks/wasender-webhook.js");
  const { handleNewMessage } = lib("replies/on-new-message.js");
  const { inboundMessageId } = lib("store/conversations.js");

  const wasender = await startFakeWasender();
  const queue = new TaskQueue({ hold: true });
  const deps = replyDeps({ wasenderApiUrl: wasender.apiUrl, queue });
  const vendor = benchVendor(`ops${Date.now().toString(36)}`, 0, {
    apiUrl: wasender.apiUrl,
    products: { robe1: ROBE },
  });
  await writeVendors(db, [vendor]);
  // What onProductWritten does in a deployment (this project runs no triggers): the stock spread over
  // its shards once, before any buyer; the first reservation would otherwise do it, a one-time cost.
  await lib("store/stock-shards.js").spreadStock(vendor.vendorId, "robe1");
  const post = (body, secret = vendor.secret) =>
    handleWasenderWebhook({
      method: "POST",
      path: `/${vendor.vendorId}`,
      headers: signedHeaders(secret),
      rawBody: Buffer.from(body),
    });

  /** The webhook stores the message; returns the trigger's input (the platform hands it the document: not counted). */
  async function receive(phone, text) {
    const { id, body } = messageEvent(phone, text);
    const response = await ops.stage("webhook", () => post(body));
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    const messageId = inboundMessageId(id);
    const data = (
      await ops.stage("platform", () =>
        db.doc(`vendors/${vendor.vendorId}/conversations/${phone}/messages/${messageId}`).get(),
      )
    ).data();
    return { path: { vendorId: vendor.vendorId, customer: phone, messageId }, data };
  }
  const decide = (inbound) =>
    ops.stage("decision", () => handleNewMessage(inbound.path, inbound.data, deps, new Date().toISOString()));
  const send = () => ops.stage("send", () => queue.drain());
  /** One delivery status per reply sent since `from` (Wasender reports sent, delivered, read: one is counted). */
  async function statuses(from) {
    for (const sent of wasender.sends.slice(from)) {
      const response = await ops.stage("status", () => post(statusEvent(sent.waMessageId)));
      if (response.status !== 200) throw new Error(`status webhook answered ${response.status}`);
    }
  }
  /** A message's whole round trip, stage by stage; returns its operations. */
  async function roundTrip(phone, text) {
    const mark = ops.mark();
    const sendsBefore = wasender.sends.length;
    await decide(await receive(phone, text));
    await send();
    if (wasender.sends.length === sendsBefore) throw new Error(`no reply to "${text}"`);
    await statuses(sendsBefore);
    return ops.since(mark).filter((op) => op.stage !== "platform");
  }

  // Warm: the configuration cache, the catalogue, the connections (a live's steady state).
  await roundTrip(customerPhone(3, 0), "Bonjour");
  await roundTrip(customerPhone(3, 0), "ROBE1");

  const scenarios = [];
  scenarios.push({ name: "greeting (a new customer's Bonjour)", ops: await roundTrip(customerPhone(3, 1), "Bonjour") });
  const buyer = customerPhone(3, 2);
  await roundTrip(buyer, "ROBE1");
  scenarios.push({ name: "order step: quantity (2, after ROBE1)", ops: await roundTrip(buyer, "2") });
  scenarios.push({ name: "order step: OUI (the reservation)", ops: await roundTrip(buyer, "OUI") });
  // The same five messages one at a time, then in a burst: stored together, their triggers running at once.
  const lone = customerPhone(3, 3);
  let mark = ops.mark();
  for (const text of BURST) await roundTrip(lone, text);
  const loneOps = ops.since(mark);
  const burster = customerPhone(3, 4);
  mark = ops.mark();
  const sendsBefore = wasender.sends.length;
  const inbound = [];
  for (const text of BURST) inbound.push(await receive(burster, text));
  await Promise.all(inbound.map(decide));
  await send();
  await statuses(sendsBefore);
  const burstOps = ops.since(mark).filter((op) => op.stage !== "platform");
  const texts = wasender.sends.slice(sendsBefore).map((s) => s.text.split("\n")[0]);
  if (!texts.some((t) => t.startsWith("Commande *CMD-"))) throw new Error(`the burst's replies: ${texts.join(" | ")}`);
  scenarios.push({
    name: `a message in a burst of ${BURST.length} (${BURST.join(", ")}), per message`,
    ops: burstOps,
    per: BURST.length,
  });
  scenarios.push({ name: "the same five one at a time, per message", ops: loneOps, per: BURST.length });

  // A bad signature: the first one after a good request, then a flood's average.
  mark = ops.mark();
  const refused = await ops.stage("webhook", () => post(messageEvent(customerPhone(3, 5), "x").body, "wrong-secret"));
  if (refused.status !== 401) throw new Error(`a bad signature got ${refused.status}`);
  const badFirst = ops.since(mark);
  mark = ops.mark();
  for (let i = 0; i < 100; i++)
    await ops.stage("webhook", () => post(messageEvent(customerPhone(3, 5), "x").body, "wrong-secret"));
  const badFlood = tally(ops.since(mark));

  await wasender.close();
  await lib("providers/services.js").getProviderServices().close();

  // The table.
  const per = (list, n = 1) => {
    const t = tally(list);
    return { reads: t.reads / n, writes: t.writes / n, total: t.total / n };
  };
  const fmt = (t) => `${fmtN(t.total)} (${fmtN(t.reads)} reads, ${fmtN(t.writes)} writes)`;
  const byStage = (list, n = 1) =>
    STAGES.map((stage) => {
      const t = per(
        list.filter((op) => op.stage.split(":")[0] === stage),
        n,
      );
      return `${stage} ${fmtN(t.reads)}R ${fmtN(t.writes)}W`;
    }).join(", ");
  const rows = [];
  const greeting = scenarios[0].ops;
  const webhookOps = per(greeting.filter((op) => op.stage === "webhook"));
  rows.push(
    row({
      figure: "ops: warm webhook (the greeting's)",
      target: "0 reads, 1 write",
      measured: fmt(webhookOps),
      pass: webhookOps.reads === 0 && webhookOps.writes === 1,
    }),
  );
  const greetingTotal = per(greeting);
  rows.push(
    row({
      figure: "ops: a greeting's whole round trip (webhook, decision, send, one status)",
      target: `≤ ${GREETING_LIMIT} billed`,
      measured: `${fmt(greetingTotal)} (${byStage(greeting)})`,
      pass: greetingTotal.total <= GREETING_LIMIT,
    }),
  );
  for (const scenario of scenarios.slice(1, 3)) {
    const total = per(scenario.ops);
    rows.push(
      row({
        figure: `ops: ${scenario.name}, whole round trip`,
        target: `≤ ${ORDER_STEP_LIMIT} billed`,
        measured: `${fmt(total)} (${byStage(scenario.ops)})`,
        pass: total.total <= ORDER_STEP_LIMIT,
      }),
    );
  }
  // The ordering step is the decision's query of the buyer's pending messages: it returns the message
  // itself and, in a burst, the earlier one it parks behind (the park's writes ride on its commit).
  const isOrdering = (op) => op.stage === "decision" && op.op === "query" && op.path.endsWith("/messages");
  const orderingReads = (list) => list.filter(isOrdering).length / BURST.length;
  const burstOrdering = orderingReads(burstOps);
  const loneOrdering = orderingReads(loneOps);
  rows.push(
    row({
      figure: `ops: ordering, a message in a burst of ${BURST.length} (the query and the park)`,
      target: `≤ ${ORDERING_LIMIT} reads`,
      measured: `${fmtN(burstOrdering)} reads (alone: ${fmtN(loneOrdering)}); whole trip ${fmt(per(burstOps, BURST.length))} vs alone ${fmt(per(loneOps, BURST.length))}`,
      pass: burstOrdering <= ORDERING_LIMIT,
    }),
  );
  rows.push(
    row({
      figure: "ops: a webhook with a bad signature",
      measured: `first after a good one: ${fmt(per(badFirst))}; a flood of 100: ${fmt({ reads: badFlood.reads / 100, writes: badFlood.writes / 100, total: badFlood.total / 100 })} each`,
    }),
  );
  for (const r of rows) say(`  ${r.figure}: ${r.measured}`);

  const listing = (name, list, n = 1) =>
    [
      `**${name}**${n > 1 ? ` (all ${n} messages)` : ""}:`,
      "",
      ...STAGES.flatMap((stage) => {
        const stageOps = list.filter((op) => op.stage.split(":")[0] === stage);
        return stageOps.length === 0
          ? [`- ${stage}: none`]
          : [
              `- ${stage} (${fmt(tally(stageOps))}):`,
              ...describeOps(stageOps).map(
                (line) =>
                  `  - ${line}${stageOps.some((op) => isOrdering(op) && `${op.kind} ${op.op} ${op.path}` === line.split(" ×")[0]) ? " (ordering)" : ""}`,
              ),
            ];
      }),
      "",
    ].join("\n");
  const details = [
    "Every operation each message caused, as the Admin SDK sent it to Firestore (a `get` reads one document, found or not; a `query` bills each document it returns, at least one; `merge` is a set with merge fields). Warm: the configuration cache, the 3-second catalogue cache and the connections had served a message a moment before; memory cache only (as `npm start`); the send runs as the `outboundAttempt` task would, in this process.",
    "",
    ...scenarios.map((s) => listing(s.name, s.ops, s.per ?? 1)),
    `**A bad signature**, first after a good request: ${describeOps(badFirst).join(", ") || "no operation"}; then 100 more: ${badFlood.reads} reads, ${badFlood.writes} writes in all (the re-read budget: a refused request may re-read the vendor's documents, 3 in a row, then once per 20 s).`,
  ].join("\n");
  return { rows, details };
}

function fmtN(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1);
}
