// What must hold after a simulated run, checked against the fake provider and Firestore: every inbound
// message decided and answered exactly once (a reply marked `possibleDuplicate` may have left twice:
// its sender died between the provider's answer and the record), each buyer's replies sent in the
// order of their messages and decided in it (no "not understood" for a quantity), and, after the
// sweeps, no message left queued or sending.

/**
 * @param {object} run
 * @param {import("firebase-admin/firestore").Firestore} run.db
 * @param {{ sends: Array<{ apiKey: string, to: string, text?: string }> }} run.wasender
 * @param {Array<{ vendor: { vendorId: string, apiKey: string }, customer: string, inboundIds: string[] }>} run.buyers
 * @param {string} run.notUnderstood the start of the engine's "not understood" answer
 * @returns {Promise<string[]>} the violations, one line each
 */
export async function checkInvariants({ db, wasender, buyers, notUnderstood }) {
  const violations = [];
  const sendsTo = new Map();
  for (const send of wasender.sends) {
    const key = `${send.apiKey} ${send.to}`;
    if (!sendsTo.has(key)) sendsTo.set(key, []);
    sendsTo.get(key).push(send.text ?? "");
  }
  for (const { vendor, customer, inboundIds } of buyers) {
    const where = `${vendor.vendorId}/${customer}`;
    const conversation = db.collection("vendors").doc(vendor.vendorId).collection("conversations").doc(customer);
    const [inbound, outbound] = await Promise.all([
      conversation.collection("messages").get(),
      conversation.collection("outbound").get(),
    ]);
    const decided = new Map(inbound.docs.map((doc) => [doc.id, doc.get("processing.state")]));
    for (const id of inboundIds) {
      if (decided.get(id) !== "done") violations.push(`${where}: ${id} is ${decided.get(id) ?? "missing"}, not done`);
    }
    // The replies in the order the buyer's messages were sent, each message's in its own order.
    const position = (id) => {
      const [, message, n] = /^out_(.+)_(\d+)$/.exec(id) ?? [];
      return [inboundIds.indexOf(`in_${message}`), Number(n)];
    };
    const replies = outbound.docs
      .map((doc) => ({ id: doc.id, at: position(doc.id), data: doc.data() }))
      .sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1]);
    for (const reply of replies) {
      if (reply.data.status !== "sent") violations.push(`${where}: ${reply.id} left ${reply.data.status}`);
      if (reply.at[0] < 0) violations.push(`${where}: ${reply.id} answers no message of the buyer`);
    }
    const sent = sendsTo.get(`${vendor.apiKey} ${customer}`) ?? [];
    // A reply marked as a possible duplicate may have left twice in a row; nothing else may.
    const kept = [];
    for (const text of sent) {
      const previous = kept.at(-1);
      const duplicate = replies.find((reply) => reply.data.text === text)?.data.possibleDuplicate === true;
      if (previous === text && duplicate) continue;
      kept.push(text);
    }
    const expected = replies.map((reply) => reply.data.text ?? "");
    if (JSON.stringify(kept) !== JSON.stringify(expected)) {
      violations.push(
        `${where}: sent ${JSON.stringify(kept.map(brief))}, expected ${JSON.stringify(expected.map(brief))}`,
      );
    }
    if (kept.some((text) => text.startsWith(notUnderstood)))
      violations.push(`${where}: a message was decided out of order ("not understood")`);
  }
  return violations;
}

const brief = (text) => text.split("\n")[0].slice(0, 40);
