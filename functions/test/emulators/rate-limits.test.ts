import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, messagesOf, postWebhook, sleep } from "../support/emulators";

const db = adminDb();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(() => wasender.close());

const SLOW_DOWN = /Doucement/;

describe("inbound rate limits (real Redis through @upstash/ratelimit)", () => {
  it("stores a flood from one phone whole, answers up to the limit, and says 'slow down' once", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, config: { rateLimits: { perCustomerPerMinute: 3, perVendorPerMinute: 100 } } });
    const customer = "+221775550001";
    for (let i = 0; i < 8; i++) {
      const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }));
      expect(res.json.results[0].outcome).toBe("stored");
    }
    const mine = (s: { apiKey: string }) => s.apiKey === vendor.apiKey;
    await wasender.waitForSends(4, { predicate: mine, timeoutMs: 20_000 });
    await sleep(2_000);
    const sends = wasender.sends.filter(mine);
    expect(sends).toHaveLength(4);
    expect(sends.filter((s) => SLOW_DOWN.test(s.text ?? ""))).toHaveLength(1);

    const inbound = await eventually(async () => {
      const snap = await messagesOf(db, vendor.vendorId, customer).where("direction", "==", "inbound").get();
      return snap.docs.every((d) => d.get("processing.state") !== "pending") ? snap : undefined;
    }, 10_000, "every message decided");
    expect(inbound.size).toBe(8);
    const limited = inbound.docs.filter((d) => String(d.get("processing.reason") ?? "").startsWith("rate limited"));
    expect(limited).toHaveLength(5);

    // Another customer of the same vendor is not held back by this one's flood.
    await postWebhook(vendor, messagesReceived({ phone: "221775550002", text: "aide" }));
    const [other] = await wasender.waitForSends(1, { predicate: (s) => mine(s) && s.to === "+221775550002" });
    expect(other!.text).not.toMatch(SLOW_DOWN);
  });

  it("caps a vendor across all its customers", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, config: { rateLimits: { perCustomerPerMinute: 10, perVendorPerMinute: 2 } } });
    for (let i = 0; i < 4; i++) await postWebhook(vendor, messagesReceived({ phone: `22177556000${i}`, text: "aide" }));
    const mine = (s: { apiKey: string }) => s.apiKey === vendor.apiKey;
    await wasender.waitForSends(4, { predicate: mine, timeoutMs: 20_000 });
    const sends = wasender.sends.filter(mine);
    expect(sends.filter((s) => !SLOW_DOWN.test(s.text ?? ""))).toHaveLength(2);
    expect(sends.filter((s) => SLOW_DOWN.test(s.text ?? ""))).toHaveLength(2); // once per customer
  });
});
