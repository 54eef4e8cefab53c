import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, messagesOf, postWebhook } from "../support/emulators";

const db = adminDb();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(() => wasender.close());

describe("outbound pacing to the number's Wasender plan", () => {
  it("sends 30 replies for a 12-per-window number in order, at that pace, none refused", async () => {
    // 12 per 10 s instead of per minute, so the test takes seconds: one send every 833 ms.
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { sendRatePerMinute: 12, sendRateWindowSeconds: 10 },
      config: { rateLimits: { perCustomerPerMinute: 100, perVendorPerMinute: 1000 } },
    });
    const customers = Array.from({ length: 30 }, (_, i) => `+2217755${String(10000 + i)}`);
    for (const customer of customers) {
      await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }));
      // Each reply has taken its send slot before the next message comes in.
      await eventually(async () => {
        const snap = await messagesOf(db, vendor.vendorId, customer).where("direction", "==", "outbound").get();
        const reply = snap.docs[0];
        return reply && (reply.get("scheduledFor") || reply.get("status") === "sent") ? true : undefined;
      }, 15_000, `the reply to ${customer} scheduled`);
    }
    const sends = await wasender.waitForSends(30, { predicate: (s) => s.apiKey === vendor.apiKey, timeoutMs: 60_000 });
    expect(sends.map((s) => s.to)).toEqual(customers);
    const gaps = sends.slice(1).map((s, i) => s.at - sends[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(833 - 60);
    expect(sends.at(-1)!.at - sends[0]!.at).toBeGreaterThanOrEqual(29 * 833 - 100);
    expect(wasender.requests.filter((r) => r.apiKey === vendor.apiKey && r.path === "/api/send-message")).toHaveLength(30);
  }, 120_000);
});
