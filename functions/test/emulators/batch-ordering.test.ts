import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it, vi } from "vitest";
import { replyToInbound } from "../../src/replies/reply-to-inbound";
import { firestore } from "../../src/shared/firestore";
import { handleWasenderWebhook } from "../../src/webhooks/wasender-webhook";
import { createVendor, messagesOf } from "../support/emulators";
import { functionInstance, webhookRequest } from "../support/in-process";
import { useInProcessReplies } from "../support/inline-scheduler";
import { messagesUpsert, waMessageId } from "../support/payloads";
import { wordingKeyOf } from "../support/wording";

// In process, in a project of its own (no Functions emulator trigger fires here): the test runs each
// stored message's trigger itself, the later message's first, as production may.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-batch-order";
  delete process.env.FIREBASE_CONFIG;
});
const db = firestore();
const replies = useInProcessReplies();

describe("a buyer's batch of messages in one webhook", () => {
  it("is decided in the order its messages were sent, whichever trigger runs first", async () => {
    const vendor = await createVendor(db, {
      apiUrl: replies.wasender.apiUrl,
      config: { paymentLinkTemplate: "https://pay.example.test/{reference}?amount={amount}" },
      products: {
        robe1: { keyword: "ROBE1", name: "Robe wax", price: 15000, currency: "XOF", stock: 50, active: true },
      },
    });
    const instance = functionInstance("memory");
    const buyers = Array.from({ length: 8 }, (_, i) => `+2217740000${String(i).padStart(2, "0")}`);
    for (const customer of buyers) {
      const ids = [waMessageId(), waMessageId()];
      const body = messagesUpsert(
        { id: ids[0], phone: customer.slice(1), text: "ROBE1" },
        { id: ids[1], phone: customer.slice(1), text: "2" },
      );
      const response = await handleWasenderWebhook(webhookRequest(vendor.vendorId, vendor.secret, body), instance);
      expect(response.status).toBe(200);
      // Each trigger gets its message's receivedAt from its event; the `2`'s run comes first.
      const stored = await Promise.all(
        ids.map(async (id) => (await messagesOf(db, vendor.vendorId, customer).doc(`in_${id}`).get()).data()!),
      );
      for (const index of [1, 0]) {
        const receivedAt = stored[index]!.receivedAt as Timestamp;
        await replyToInbound(vendor.vendorId, customer, `in_${ids[index]}`, replies.deps, receivedAt);
      }
    }
    await replies.scheduler.idle();
    for (const customer of buyers) {
      const keys = replies.wasender.sends
        .filter((send) => send.apiKey === vendor.apiKey && send.to === customer)
        .map((send) => wordingKeyOf(send.text!));
      expect(keys, customer).toEqual(["productCard", "recap"]);
    }
  }, 60_000);
});
