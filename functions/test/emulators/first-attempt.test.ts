import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { greet, outbound, settled } from "../support/delivery";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  idTokenWithClaims,
  outboundOf,
  type TestVendor,
} from "../support/emulators";

/**
 * A decision's first reply is an ordinary outbox entry whose first attempt the deciding run makes (its
 * claim made in the decision's transaction): it leaves the outbox when it ends, like every message, and
 * hands over to what was queued behind it meanwhile; a failed first attempt is retried by a task, whose
 * completion hands over as usual.
 */

const db = adminDb();
let wasender: FakeWasender;
let vendor: TestVendor;

beforeAll(async () => {
  wasender = await startFakeWasender();
  vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
});
afterAll(() => wasender.close());

const conversationOf = (customer: string) =>
  db.collection("vendors").doc(vendor.vendorId).collection("conversations").doc(customer);

/**
 * The vendor's own message (through the admin API) queued behind the conversation's first reply while
 * it is being sent: both end sent, in order, the second having waited and then been given its turn,
 * and the outbox ends empty.
 */
async function queueBehind(customer: string, firstId: string) {
  const token = await idTokenWithClaims({ vendorId: vendor.vendorId });
  const queued = await adminCall(`/vendors/${vendor.vendorId}/messages`, {
    token,
    body: { to: customer, text: "Votre commande est prête" },
  });
  expect(queued.status).toBe(202);
  const replies = await settled(vendor.vendorId, customer, 2);
  const first = replies.find((reply) => reply.id === firstId)!;
  const second = replies.find((reply) => reply.id !== firstId)!;
  expect([first.status, second.status]).toEqual(["sent", "sent"]);
  const history = ((await outboundOf(db, vendor.vendorId, customer).doc(second.id).get()).get("delivery.history") ??
    []) as { event: string }[];
  expect(history.map((entry) => entry.event)).toEqual(expect.arrayContaining(["waiting", "dispatched", "sent"]));
  const order = wasender.sends.filter((send) => send.to === customer).map((send) => send.text);
  expect(order).toEqual([first.text, second.text]);
  expect((await conversationOf(customer).get()).get("outbox")).toEqual([]);
}

describe("a decision's first reply", () => {
  it("is sent once by the deciding run and leaves the outbox; the next decision's reply follows in order", async () => {
    const customer = "+221779880001";
    await greet(vendor, customer);
    const [first] = await settled(vendor.vendorId, customer);
    expect(first!.status).toBe("sent");
    expect(first!.delivery?.attempts).toBe(1);
    const after = await conversationOf(customer).get();
    expect(after.get("outbox")).toEqual([]);

    await greet(vendor, customer, "aide");
    const replies = await settled(vendor.vendorId, customer, 2);
    const second = replies.find((reply) => reply.id !== first!.id)!;
    expect(second.status).toBe("sent");
    expect((await conversationOf(customer).get()).get("outbox")).toEqual([]);
    // Exactly once each, in order.
    const order = wasender.sends.filter((send) => send.to === customer).map((send) => send.text);
    expect(order).toEqual([first!.text, second.text]);
  }, 60_000);

  it("hands over to a message queued behind it while it was still being sent", async () => {
    const customer = "+221779880002";
    // The first reply's send answers after 3 s.
    wasender.injectFault({ apiKey: vendor.apiKey, to: customer, delayMs: 3_000 });
    await greet(vendor, customer);
    const firstId = await eventually(
      async () => (await outbound(vendor.vendorId, customer)).find((reply) => reply.status === "sending")?.id,
      15_000,
      "the first reply being sent",
    );
    // Another producer (the vendor's own message through the admin API) queues behind it meanwhile.
    await queueBehind(customer, firstId);
  }, 60_000);

  it("whose first attempt failed: its retry hands over to what was queued behind it", async () => {
    const customer = "+221779880003";
    // The deciding run's attempt gets a 500; the retry's send answers after 3 s.
    wasender.injectFault({ apiKey: vendor.apiKey, to: customer, status: 500 });
    wasender.injectFault({ apiKey: vendor.apiKey, to: customer, delayMs: 3_000 });
    await greet(vendor, customer);
    const firstId = await eventually(
      async () =>
        (await outbound(vendor.vendorId, customer)).find(
          (reply) => reply.status === "sending" && reply.delivery?.attempts === 2,
        )?.id as string | undefined,
      15_000,
      "the first reply's retry being sent",
    );
    const conversation = await conversationOf(customer).get();
    expect(conversation.get("outbox")).toEqual([firstId]);
    await queueBehind(customer, firstId);
  }, 60_000);
});
