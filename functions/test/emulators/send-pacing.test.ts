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

describe("outbound pacing to the number's Wasender plan, without sleeping", () => {
  it("sends 30 replies for a 6-per-window number in order, at that pace, none refused, each waiting as a scheduled task", async () => {
    // 6 per 10 s instead of per minute, so the test takes under a minute: one send every 1667 ms,
    // slower than replies come in, so a backlog builds up and waits.
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { sendRatePerMinute: 6, sendRateWindowSeconds: 10 },
      config: { rateLimits: { perCustomerPerMinute: 100, perVendorPerMinute: 1000 } },
    });
    const customers = Array.from({ length: 30 }, (_, i) => `+2217755${String(10000 + i)}`);
    for (const customer of customers) {
      await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }));
      // Each reply has taken its send slot (or is sent) before the next message comes in: posting order.
      await eventually(async () => {
        const snap = await messagesOf(db, vendor.vendorId, customer).where("direction", "==", "outbound").get();
        const reply = snap.docs[0];
        return reply && (reply.get("delivery.slotAt") || reply.get("status") === "sent") ? true : undefined;
      }, 15_000, `the reply to ${customer} paced`);
    }
    const sends = await wasender.waitForSends(30, { predicate: (s) => s.apiKey === vendor.apiKey, timeoutMs: 90_000 });
    expect(sends.map((s) => s.to)).toEqual(customers);
    const gaps = sends.slice(1).map((s, i) => s.at - sends[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1667 - 60);
    expect(sends.at(-1)!.at - sends[0]!.at).toBeGreaterThanOrEqual(29 * 1667 - 100);
    expect(wasender.requests.filter((r) => r.apiKey === vendor.apiKey && r.path === "/api/send-message")).toHaveLength(30);
    // Every later reply waited as a task scheduled for its slot ("paced" in its history), none in a sleeping function.
    const replies = await Promise.all(customers.map(async (c) => (await messagesOf(db, vendor.vendorId, c).where("direction", "==", "outbound").get()).docs[0]!));
    const paced = replies.filter((r) => (r.get("delivery.history") as Array<{ event: string }>).some((h) => h.event === "paced"));
    expect(paced.length).toBeGreaterThanOrEqual(25);
    console.log(`pacing: 30 sends over ${sends.at(-1)!.at - sends[0]!.at} ms, gaps ${Math.min(...gaps)}-${Math.max(...gaps)} ms, ${paced.length} waited as scheduled tasks`);
    expect(replies.every((r) => r.get("delivery.attempts") === 1)).toBe(true);
  }, 150_000);
});
