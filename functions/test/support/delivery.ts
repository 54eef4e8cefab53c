import { Timestamp } from "firebase-admin/firestore";
import { expect } from "vitest";
import { adminDb, eventually, outboundOf, postWebhook, type TestVendor } from "./emulators";
import { messagesReceived } from "./payloads";

/** A conversation's outbound messages, oldest first. */
export async function outbound(vendorId: string, customer: string) {
  const snap = await outboundOf(adminDb(), vendorId, customer).orderBy("createdAt").get();
  return snap.docs.map((doc) => ({ id: doc.id, ...doc.data() }) as Record<string, any>);
}

/** Waits until the conversation's replies all ended (sent or failed) and returns them. */
export async function settled(vendorId: string, customer: string, count = 1, timeoutMs = 45_000) {
  return eventually(
    async () => {
      const docs = await outbound(vendorId, customer);
      return docs.length === count && docs.every((d) => d.status === "sent" || d.status === "failed")
        ? docs
        : undefined;
    },
    timeoutMs,
    `${count} reply(ies) to ${customer} ended`,
  );
}

/** A customer's text through the vendor's Wasender webhook. */
export async function greet(vendor: TestVendor, customer: string, text = "Bonjour") {
  const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text }));
  expect(res.status).toBe(200);
}

/**
 * An outbound message written as delivery left it (a state no trigger would reach in a test's time: a
 * dead sender, a long wait), first in its conversation's outbox. `delivery` times may be Timestamps.
 */
export async function seedOutbound(
  vendor: TestVendor,
  customer: string,
  messageId: string,
  message: { text: string; status: string; delivery: Record<string, unknown>; origin?: string; createdAt?: Timestamp },
) {
  const conversation = adminDb().collection("vendors").doc(vendor.vendorId).collection("conversations").doc(customer);
  await conversation.set({ vendorId: vendor.vendorId, customer, outbox: [messageId] });
  const ref = conversation.collection("outbound").doc(messageId);
  const { delivery, origin = "engine", createdAt = Timestamp.now(), ...rest } = message;
  await ref.set({
    direction: "outbound",
    vendorId: vendor.vendorId,
    wabaInstanceId: vendor.wabaInstanceId,
    to: customer,
    origin,
    createdAt,
    ...rest,
    delivery,
  });
  return ref;
}
