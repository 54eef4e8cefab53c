import { DocumentReference, Query, Timestamp, Transaction } from "firebase-admin/firestore";
import { firestore } from "../../src/shared/firestore";
import { describe, expect, it, vi } from "vitest";
import { replyToInbound } from "../../src/replies/reply-to-inbound";
import { createVendor, messagesOf, pendingInbound } from "../support/emulators";
import { wordingKeyOf } from "../support/wording";
import { availableStock } from "../../src/store/stock-shards";
import { useInProcessReplies } from "../support/inline-scheduler";
import { decideOnce } from "../../src/replies/decision";
import { parkBehind, readInboundInOrder } from "../../src/store/conversations";

// In process, in a project of its own (no Functions emulator trigger fires here), so the test decides
// exactly when each message's run happens, and can count the Firestore reads each one makes.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-ordering";
  delete process.env.FIREBASE_CONFIG;
});
const db = firestore();

const replies = useInProcessReplies();

/** Billed reads made in this process while `work` runs: one per document, one per query result (at least one per query). */
async function countReads(work: () => Promise<unknown>): Promise<number> {
  let reads = 0;
  const spies = [DocumentReference.prototype, Query.prototype, Transaction.prototype].map((proto) => {
    // Called below with apply() and the spied call's own `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const original = proto.get as (...args: unknown[]) => Promise<unknown>;
    return vi.spyOn(proto, "get").mockImplementation(async function (this: unknown, ...args: unknown[]) {
      const result = (await original.apply(this, args)) as { size?: number };
      reads += typeof result?.size === "number" ? Math.max(1, result.size) : 1;
      return result as never;
    });
  });
  try {
    await work();
    return reads;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe("inbound ordering without polling", () => {
  it("decides a burst of 5 in arrival order, each on the state the previous one left, at 2 reads or fewer per message for ordering", async () => {
    const vendor = await createVendor(db, {
      apiUrl: replies.wasender.apiUrl,
      config: { paymentLinkTemplate: "https://pay.example.test/{reference}?amount={amount}" },
      products: {
        robe1: { keyword: "ROBE1", name: "Robe wax", price: 15000, currency: "XOF", stock: 5, active: true },
      },
    });
    const customer = "+221773000001";
    const texts = ["Bonjour", "ROBE1", "2", "OUI", "COMMANDES"];
    const base = Date.now() - 10_000;
    const ids = texts.map((_, i) => `in_BURST${i}`);
    // The five messages are stored (as the webhook would) before any of their runs gets going.
    for (const [i, text] of texts.entries()) {
      await messagesOf(db, vendor.vendorId, customer)
        .doc(ids[i]!)
        .set({
          direction: "inbound",
          vendorId: vendor.vendorId,
          wabaInstanceId: vendor.wabaInstanceId,
          waMessageId: `BURST${i}`,
          from: customer,
          text,
          kind: "text",
          event: "messages.received",
          processing: { state: "pending" },
          receivedAt: Timestamp.fromMillis(base + i * 10),
        });
    }
    // Runs of the later messages start first: each finds an earlier one undecided and parks behind it.
    // (Each gets its message's receivedAt from its event, as the trigger does.)
    const orderingReads: number[] = [];
    for (const i of [4, 3, 2, 1]) {
      const receivedAt = Timestamp.fromMillis(base + i * 10);
      orderingReads.push(
        await countReads(() => replyToInbound(vendor.vendorId, customer, ids[i]!, replies.deps, receivedAt)),
      );
    }
    for (const id of ids.slice(1))
      expect((await messagesOf(db, vendor.vendorId, customer).doc(id).get()).get("processing.state")).toBe("pending");
    expect(Math.max(...orderingReads)).toBeLessThanOrEqual(2);
    console.log(`ordering reads per parked burst message: ${orderingReads.join(", ")}`);

    // The first message's run decides it, then hands over down the chain: all five, in order.
    await replyToInbound(vendor.vendorId, customer, ids[0]!, replies.deps);
    await replies.scheduler.idle();
    for (const id of ids)
      expect((await messagesOf(db, vendor.vendorId, customer).doc(id).get()).get("processing.state")).toBe("done");
    const sends = replies.wasender.sends.filter((s) => s.apiKey === vendor.apiKey && s.to === customer);
    // What the buyer is told, by the engine's wording keys: the card, the recap, the reservation.
    expect(sends.slice(1, 4).map((s) => wordingKeyOf(s.text!))).toEqual(["productCard", "recap", "orderReserved"]);
    expect(sends[1]!.text!.split("\n")[0]).toBe("*Robe wax*");
    expect(sends.at(-1)!.text).toContain("30 000 FCFA");
    expect(await availableStock(vendor.vendorId, "robe1")).toBe(3);
  }, 60_000);

  it("a message whose earlier one got decided meanwhile goes ahead at once", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const customer = "+221773000002";
    const ids = ["in_SOLO0", "in_SOLO1"];
    for (const [i, id] of ids.entries()) {
      await messagesOf(db, vendor.vendorId, customer)
        .doc(id)
        .set({
          direction: "inbound",
          vendorId: vendor.vendorId,
          wabaInstanceId: vendor.wabaInstanceId,
          waMessageId: id.slice(3),
          from: customer,
          text: i === 0 ? "Bonjour" : "aide",
          kind: "text",
          event: "messages.received",
          processing: { state: "pending" },
          receivedAt: Timestamp.fromMillis(Date.now() - 1_000 + i),
        });
    }
    await replyToInbound(vendor.vendorId, customer, ids[0]!, replies.deps);
    await replyToInbound(vendor.vendorId, customer, ids[1]!, replies.deps);
    await replies.scheduler.idle();
    expect(replies.wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(2);
  }, 30_000);

  it("a decision whose message changed after the ordering query (a later one parked behind it) reads again and hands over", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const customer = "+221773000003";
    const first = messagesOf(db, vendor.vendorId, customer).doc("in_STALE0");
    const receivedAt = Timestamp.fromMillis(Date.now() - 1_000);
    await first.set(pendingInbound(vendor, customer, first.id, "Bonjour", receivedAt));
    let runs = 0;
    const decided = await decideOnce(
      vendor.vendorId,
      customer,
      first.id,
      async () => {
        runs += 1;
        // Between the ordering query and the commit, a later message parks behind this one.
        if (runs === 1) await first.update({ "processing.next": "in_STALE1" });
        return { state: "done", replies: [] };
      },
      { ordered: { receivedAt } },
    );
    expect(runs).toBe(2);
    expect(decided.next).toBe("in_STALE1");
    const stored = (await first.get()).get("processing") as { state: string; next?: string };
    expect(stored).toMatchObject({ state: "done", next: "in_STALE1" });
  }, 30_000);

  it("a park behind a message decided since the ordering query is refused, and the message goes ahead", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const customer = "+221773000004";
    const [earlier, later] = ["in_GONE0", "in_GONE1"].map((id) => messagesOf(db, vendor.vendorId, customer).doc(id));
    const base = Date.now() - 1_000;
    await earlier!.set(pendingInbound(vendor, customer, earlier!.id, "Bonjour", Timestamp.fromMillis(base)));
    await later!.set(pendingInbound(vendor, customer, later!.id, "aide", Timestamp.fromMillis(base + 5)));
    const read = await readInboundInOrder(vendor.vendorId, customer, later!.id, Timestamp.fromMillis(base + 5));
    expect(read.earlier?.id).toBe(earlier!.id);
    // The earlier message is decided after that read: parking behind it now would wait for nothing.
    await replyToInbound(vendor.vendorId, customer, earlier!.id, replies.deps);
    expect(await parkBehind(later!, read.earlier!)).toBe("stale");
    expect((await earlier!.get()).get("processing.next")).toBeUndefined();
    await replyToInbound(vendor.vendorId, customer, later!.id, replies.deps, Timestamp.fromMillis(base + 5));
    await replies.scheduler.idle();
    expect((await later!.get()).get("processing.state")).toBe("done");
    expect(replies.wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(2);
  }, 30_000);
});
