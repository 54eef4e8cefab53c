import { expect } from "vitest";
import { adminDb, eventually, messagesOf, postWebhook, type TestVendor } from "./emulators";
import { messagesReceived } from "./payloads";

/** A conversation's outbound messages, oldest first. */
export async function outbound(vendorId: string, customer: string) {
  const snap = await messagesOf(adminDb(), vendorId, customer).where("direction", "==", "outbound").orderBy("createdAt").get();
  return snap.docs.map((doc) => ({ id: doc.id, ...doc.data() }) as Record<string, any>);
}

/** Waits until the conversation's replies all ended (sent or failed) and returns them. */
export async function settled(vendorId: string, customer: string, count = 1, timeoutMs = 45_000) {
  return eventually(async () => {
    const docs = await outbound(vendorId, customer);
    return docs.length === count && docs.every((d) => d.status === "sent" || d.status === "failed") ? docs : undefined;
  }, timeoutMs, `${count} reply(ies) to ${customer} ended`);
}

/** A customer's text through the vendor's Wasender webhook. */
export async function greet(vendor: TestVendor, customer: string, text = "Bonjour") {
  const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text }));
  expect(res.status).toBe(200);
}
