import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, outboundOf, postWebhook, type TestVendor } from "../support/emulators";

const db = adminDb();
let wasender: FakeWasender;
let vendor: TestVendor;
let phoneCounter = 0;

beforeAll(async () => {
  wasender = await startFakeWasender();
  vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
});
afterAll(() => wasender.close());

/** Has the bot send one reply to a new customer; resolves with the reply's document once linked. */
async function sentReply(): Promise<{
  customer: string;
  waMessageId: string;
  ref: FirebaseFirestore.DocumentReference;
}> {
  const customer = `+22176${String(1_000_000 + phoneCounter++).slice(1)}0`;
  await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }));
  return eventually(
    async () => {
      const snap = await outboundOf(db, vendor.vendorId, customer).get();
      const doc = snap.docs[0];
      return doc?.get("waMessageId")
        ? { customer, waMessageId: doc.get("waMessageId") as string, ref: doc.ref }
        : undefined;
    },
    15_000,
    "the reply sent and linked",
  );
}

const update = (id: string, status: number | string) => ({
  key: { id, fromMe: true, remoteJid: "x@s.whatsapp.net" },
  update: { status },
});
const statusEvent = (data: unknown) => ({ event: "messages.update", timestamp: Date.now(), data });
const postStatus = (body: unknown, path = "status") =>
  postWebhook(vendor, body, { path: `/api/webhooks/wasender/${vendor.vendorId}${path ? `/${path}` : ""}` });

describe("message statuses", () => {
  it("links a sent reply to its WhatsApp id through GET /messages/{msgId}/info", async () => {
    const reply = await sentReply();
    const send = wasender.sends.find((s) => s.waMessageId === reply.waMessageId);
    expect((await reply.ref.get()).get("wasenderMsgId")).toBe(send!.msgId);
  });

  it.each([
    [1, "pending"],
    [2, "sent"],
    [3, "delivered"],
    [4, "read"],
    [5, "played"],
  ])("lands code %i as %s on the outbound message", async (code, status) => {
    const reply = await sentReply();
    const res = await postStatus(statusEvent(update(reply.waMessageId, code)));
    expect(res.status).toBe(200);
    expect(res.json.results).toEqual([{ waMessageId: reply.waMessageId, status, outcome: "applied" }]);
    expect((await reply.ref.get()).get("deliveryStatus")).toBe(status);
  });

  it("keeps Wasender's reason with an error status (code 0)", async () => {
    const reply = await sentReply();
    await postStatus(
      statusEvent({ ...update(reply.waMessageId, 0), update: { status: 0, reason: "recipient not on WhatsApp" } }),
    );
    const doc = await reply.ref.get();
    expect(doc.get("deliveryStatus")).toBe("error");
    expect(doc.get("deliveryError")).toBe("recipient not on WhatsApp");
  });

  it("reads the array form with string statuses, and only moves forward", async () => {
    const reply = await sentReply();
    const res = await postStatus(
      statusEvent([update(reply.waMessageId, "READ"), update(reply.waMessageId, "DELIVERY_ACK")]),
    );
    expect(res.json.results.map((r: any) => r.outcome)).toEqual(["applied", "stale"]);
    await postStatus(statusEvent(update(reply.waMessageId, 3)));
    await postStatus(statusEvent(update(reply.waMessageId, 0)));
    expect((await reply.ref.get()).get("deliveryStatus")).toBe("read");
  });

  it("applies duplicated and out-of-order statuses idempotently", async () => {
    const reply = await sentReply();
    for (const code of [2, 4, 2, 3, 4, 4]) await postStatus(statusEvent(update(reply.waMessageId, code)));
    expect((await reply.ref.get()).get("deliveryStatus")).toBe("read");
  });

  it("keeps a status that arrives before the link and applies it once the link is made", async () => {
    const nextWaId = `3EB0FAKE${100000 + wasender.sends.length}`;
    const early = await postStatus(statusEvent(update(nextWaId, 3)));
    expect(early.json.results[0].outcome).toBe("pending");
    const reply = await sentReply();
    expect(reply.waMessageId).toBe(nextWaId);
    await eventually(
      async () => ((await reply.ref.get()).get("deliveryStatus") === "delivered" ? true : undefined),
      10_000,
      "the early status applied",
    );
    const leftover = await db
      .collection("vendors")
      .doc(vendor.vendorId)
      .collection("pending_statuses")
      .doc(nextWaId)
      .get();
    expect(leftover.exists).toBe(false);
  });

  it("lands a status kept seconds before its message was sent: its task tries again until the message has its id", async () => {
    const nextWaId = `3EB0FAKE${100000 + wasender.sends.length}`;
    const early = await postStatus(statusEvent(update(nextWaId, 4)));
    expect(early.json.results[0].outcome).toBe("pending");
    // Its landing task runs at once and after 1 and 2 s, finding no message: it must try again later.
    await sleep(3_500);
    const reply = await sentReply();
    expect(reply.waMessageId).toBe(nextWaId);
    await eventually(
      async () => ((await reply.ref.get()).get("deliveryStatus") === "read" ? true : undefined),
      20_000,
      "the kept status landed by its task",
    );
    const kept = db.collection("vendors").doc(vendor.vendorId).collection("pending_statuses").doc(nextWaId);
    expect((await kept.get()).exists).toBe(false);
  }, 60_000);

  it("reads message-receipt.update and message.sent", async () => {
    const reply = await sentReply();
    const receipt = await postStatus({
      event: "message-receipt.update",
      data: {
        message: {
          key: { id: reply.waMessageId, fromMe: true },
          receipt: { userJid: "x@s.whatsapp.net", receiptTimestamp: 1 },
        },
      },
    });
    expect(receipt.json.results[0]).toMatchObject({ status: "delivered", outcome: "applied" });
    const sent = await postStatus({ event: "message.sent", data: { key: { id: reply.waMessageId, fromMe: true } } });
    expect(sent.json.results[0]).toMatchObject({ status: "sent", outcome: "stale" });
  });

  it("handles a status posted to the message URL exactly as at the status URL", async () => {
    const reply = await sentReply();
    const res = await postStatus(statusEvent(update(reply.waMessageId, 4)), "");
    expect(res.json.results[0].outcome).toBe("applied");
    expect((await reply.ref.get()).get("deliveryStatus")).toBe("read");
  });

  it("answers 400 for a status event it cannot read, 401 without the secret", async () => {
    expect((await postStatus(statusEvent({ key: { id: "x" }, update: { status: 9 } }))).status).toBe(400);
    const unsigned = await postWebhook(vendor, statusEvent(update("x", 3)), {
      path: `/api/webhooks/wasender/${vendor.vendorId}/status`,
      signing: { scheme: "none" },
    });
    expect(unsigned.status).toBe(401);
  });
});
