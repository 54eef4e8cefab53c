// What must hold after a simulated run, checked against the fake providers and Firestore:
// - every inbound message decided and answered exactly once (a reply marked `possibleDuplicate` may have
//   left twice in a row: its sender died between the provider's answer and the record); each buyer's
//   replies sent in the order of their messages; a quantity never decided before its keyword ("not
//   understood"); every order notice (thank-you, expiry) sent once;
// - after the sweeps, no reply left queued or sending (lost), and a reply that ended failed has its alert;
// - for each product on sale: 0 oversold (no shard below 0, no more units held than stock) and units
//   conserved (left in the shards + held by orders = stock);
// - every verified payment marks its order paid once (one ledger entry), with one thank-you.

/**
 * @param {object} run
 * @param {import("firebase-admin/firestore").Firestore} run.db
 * @param {Map<string, string[]>} run.sends texts each buyer received, in order, by `apiKey to`
 * @param {Array<{ vendor: { vendorId: string, apiKey: string, mayFail?: boolean }, customer: string, inboundIds: string[], quantityIds?: string[] }>} run.buyers
 * @param {string} run.notUnderstood the start of the engine's "not understood" answer
 * @param {string} run.thanks the start of the payment thank-you
 * @param {Array<{ vendorId: string, productId: string, stock: number }>} [run.products] stock to check
 * @param {Array<{ vendorId: string, customer: string, reference: string, apiKey: string }>} [run.payments] orders a verified payment was posted for
 * @param {{ failed: number }} [run.tally] counts what was checked: replies that ended failed (with their alert)
 * @returns {Promise<string[]>} the violations, one line each
 */
export async function checkInvariants({
  db,
  sends,
  buyers,
  notUnderstood,
  thanks,
  products = [],
  payments = [],
  tally = { failed: 0 },
}) {
  const violations = [];
  for (const buyer of buyers) violations.push(...(await checkBuyer(db, sends, buyer, notUnderstood, tally)));
  for (const product of products) violations.push(...(await checkStock(db, product)));
  for (const payment of payments) violations.push(...(await checkPayment(db, sends, payment, thanks)));
  return violations;
}

async function checkBuyer(db, sends, { vendor, customer, inboundIds, quantityIds = [] }, notUnderstood, tally) {
  const violations = [];
  const where = `${vendor.vendorId}/${customer}`;
  const vendorRef = db.collection("vendors").doc(vendor.vendorId);
  const conversation = vendorRef.collection("conversations").doc(customer);
  const [inbound, outbound] = await Promise.all([
    conversation.collection("messages").get(),
    conversation.collection("outbound").get(),
  ]);
  const decided = new Map(inbound.docs.map((doc) => [doc.id, doc.get("processing")]));
  for (const id of inboundIds) {
    const processing = decided.get(id);
    if (processing?.state !== "done")
      violations.push(
        `${where}: ${id} is ${processing?.state ?? "missing"}, not done${processing?.reason ? ` (${processing.reason})` : ""}`,
      );
  }
  // The replies in the order the buyer's messages were sent, each message's in its own order; the
  // order notices (`order_{reference}_{notice}`) wherever the outbox put them.
  const position = (id) => {
    const [, message, n] = /^out_(.+)_(\d+)$/.exec(id) ?? [];
    return [inboundIds.indexOf(`in_${message}`), Number(n)];
  };
  const all = outbound.docs.map((doc) => ({ id: doc.id, data: doc.data() }));
  const replies = all
    .filter((reply) => reply.id.startsWith("out_"))
    .map((reply) => ({ ...reply, at: position(reply.id) }))
    .sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1]);
  const notices = all.filter((reply) => reply.id.startsWith("order_"));
  for (const reply of all) {
    if (!reply.id.startsWith("out_") && !reply.id.startsWith("order_"))
      violations.push(`${where}: ${reply.id} is neither a reply nor an order notice`);
  }
  const failed = [];
  for (const reply of [...replies, ...notices]) {
    if (reply.data.status === "failed" && vendor.mayFail) failed.push(reply);
    else if (reply.data.status !== "sent") violations.push(`${where}: ${reply.id} left ${reply.data.status}`);
    if (reply.at?.[0] < 0) violations.push(`${where}: ${reply.id} answers no message of the buyer`);
  }
  // No alert lost: a reply that ended failed has its operator's alert.
  tally.failed += failed.length;
  for (const reply of failed) {
    const alertId = `failed_${customer.replace(/\W/g, "")}_${reply.id}`.slice(0, 500);
    const alert = await vendorRef.collection("alerts").doc(alertId).get();
    if (alert.get("kind") !== "delivery_failed") violations.push(`${where}: ${reply.id} failed with no alert`);
  }
  const sentDocs = [...replies, ...notices].filter((reply) => reply.data.status === "sent");
  const received = sends.get(`${vendor.apiKey} ${customer}`) ?? [];
  // A reply marked as a possible duplicate may have left twice in a row; nothing else may.
  const kept = [];
  for (const text of received) {
    const duplicate = sentDocs.find((reply) => reply.data.text === text)?.data.possibleDuplicate === true;
    if (kept.at(-1) === text && duplicate) continue;
    kept.push(text);
  }
  const sentTexts = sentDocs.map((reply) => reply.data.text ?? "");
  if (JSON.stringify([...kept].sort()) !== JSON.stringify([...sentTexts].sort())) {
    violations.push(
      `${where}: received ${JSON.stringify(kept.map(brief))}, recorded sent ${JSON.stringify(sentTexts.map(brief))}`,
    );
  }
  // The replies to messages, in the order of the messages, among whatever else the buyer received.
  const expected = replies.filter((reply) => reply.data.status === "sent").map((reply) => reply.data.text ?? "");
  const noticeTexts = new Set(notices.map((notice) => notice.data.text ?? ""));
  const inOrder = kept.filter((text) => !noticeTexts.has(text));
  if (JSON.stringify(inOrder) !== JSON.stringify(expected)) {
    violations.push(
      `${where}: replies in the order ${JSON.stringify(inOrder.map(brief))}, expected ${JSON.stringify(expected.map(brief))}`,
    );
  }
  for (const id of quantityIds) {
    const answers = replies.filter((reply) => reply.id.startsWith(`out_${id.slice(3)}_`));
    if (answers.some((reply) => (reply.data.text ?? "").startsWith(notUnderstood)))
      violations.push(`${where}: a quantity was decided before its keyword ("not understood")`);
  }
  return violations;
}

/** 0 oversold, and left + held = stock, for one product. */
async function checkStock(db, { vendorId, productId, stock }) {
  const where = `${vendorId}/${productId}`;
  const product = db.collection("vendors").doc(vendorId).collection("products").doc(productId);
  const [shards, orders] = await Promise.all([
    product.collection("stock_shards").get(),
    db.collection("vendors").doc(vendorId).collection("orders").get(),
  ]);
  const violations = [];
  let left = 0;
  for (const shard of shards.docs) {
    const units = shard.get("units");
    if (typeof units !== "number" || units < 0)
      violations.push(`${where}: shard ${shard.id} holds ${units} (oversold)`);
    else left += units;
  }
  let held = 0;
  const byStatus = {};
  for (const order of orders.docs) {
    const units = (order.get("items") ?? [])
      .filter((item) => item.productId === productId)
      .reduce((sum, item) => sum + item.quantity, 0);
    if (units === 0) continue;
    const status = `${order.get("status")}${order.get("stockHeld") ? "" : " (released)"}`;
    byStatus[status] = (byStatus[status] ?? 0) + units;
    if (order.get("stockHeld") === true) held += units;
  }
  if (held > stock) violations.push(`${where}: ${held} units held by orders for a stock of ${stock} (oversold)`);
  if (left + held !== stock)
    violations.push(
      `${where}: ${left} left + ${held} held by orders = ${left + held}, not the stock of ${stock} (${JSON.stringify(byStatus)})`,
    );
  return violations;
}

/** A verified payment: its order paid, one ledger entry, one thank-you. */
async function checkPayment(db, sends, { vendorId, customer, reference, apiKey }, thanks) {
  const where = `${vendorId}/${reference}`;
  const vendorRef = db.collection("vendors").doc(vendorId);
  const [order, entries] = await Promise.all([
    vendorRef.collection("orders").doc(reference).get(),
    vendorRef.collection("payments").where("reference", "==", reference).get(),
  ]);
  const violations = [];
  if (order.get("status") !== "paid") violations.push(`${where}: paid, but the order is ${order.get("status")}`);
  if (!order.get("notices.paid")) violations.push(`${where}: paid, but no thank-you queued`);
  if (entries.size !== 1) violations.push(`${where}: ${entries.size} ledger entries for one payment`);
  const thanked = (sends.get(`${apiKey} ${customer}`) ?? []).filter(
    (text) => text.startsWith(thanks) && text.includes(`*${reference}*`),
  );
  // One thank-you (twice in a row only when its send may have gone through before a crash: possibleDuplicate).
  const notice = await vendorRef
    .collection("conversations")
    .doc(customer)
    .collection("outbound")
    .doc(`order_${reference}_paid`)
    .get();
  const allowed = notice.get("possibleDuplicate") === true ? 2 : 1;
  if (thanked.length < 1 || thanked.length > allowed)
    violations.push(`${where}: ${thanked.length} thank-you(s) for one payment`);
  return violations;
}

const brief = (text) => text.split("\n")[0].slice(0, 40);
