import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, messagesOf, postWebhook, sleep } from "../support/emulators";

const REDIS_PORT = Number(process.env.LIVEPAY_TEST_REDIS_PORT);
if (!REDIS_PORT) throw new Error("this test needs npm test's Redis (LIVEPAY_TEST_REDIS_PORT)");

const db = adminDb();
const redis = createClient({ url: `redis://127.0.0.1:${REDIS_PORT}`, disableOfflineQueue: true });
let wasender: FakeWasender;

beforeAll(async () => {
  redis.on("error", () => {});
  await redis.connect();
  wasender = await startFakeWasender();
});
afterAll(async () => {
  await wasender.close();
  redis.destroy();
});

const SLOW_DOWN = /Doucement/;

/**
 * A sliding window counts the previous minute weighted by what is left of it, rounded down: a flood
 * straddling a minute boundary may let one message more through (the README says so). Counting tests
 * start with at least 20 s left in the minute, so they see the limit itself.
 */
async function clearOfMinuteBoundary(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await sleep(left + 100);
}

describe("inbound rate limits (real Redis through @upstash/ratelimit)", () => {
  it(
    "stores a flood from one phone whole, answers up to the limit, and says 'slow down' once",
    { timeout: 60_000 },
    async () => {
      await clearOfMinuteBoundary();
      const vendor = await createVendor(db, {
        apiUrl: wasender.apiUrl,
        config: { rateLimits: { perCustomerPerMinute: 3, perVendorPerMinute: 100 } },
      });
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

      const inbound = await eventually(
        async () => {
          const snap = await messagesOf(db, vendor.vendorId, customer).where("direction", "==", "inbound").get();
          return snap.docs.every((d) => d.get("processing.state") !== "pending") ? snap : undefined;
        },
        10_000,
        "every message decided",
      );
      expect(inbound.size).toBe(8);
      const limited = inbound.docs.filter((d) => String(d.get("processing.reason") ?? "").startsWith("rate limited"));
      expect(limited).toHaveLength(5);

      // Redis holds this buyer's counts and notice under a keyed hash: no key names the number, nor its digits.
      const keys = await redis.keys(`*${vendor.vendorId}*`);
      expect(keys.filter((key) => key.startsWith(`livepay:ratelimit:customer:${vendor.vendorId}:`))).not.toEqual([]);
      expect(keys.filter((key) => key.startsWith(`livepay:slowdown:customer:${vendor.vendorId}:`))).toHaveLength(1);
      expect(keys.filter((key) => key.includes(customer.slice(1)) || key.includes(customer.slice(4)))).toEqual([]);

      // Another customer of the same vendor is not held back by this one's flood.
      await postWebhook(vendor, messagesReceived({ phone: "221775550002", text: "aide" }));
      const [other] = await wasender.waitForSends(1, { predicate: (s) => mine(s) && s.to === "+221775550002" });
      expect(other!.text).not.toMatch(SLOW_DOWN);
    },
  );

  it("caps a vendor across all its customers", { timeout: 60_000 }, async () => {
    await clearOfMinuteBoundary();
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      config: { rateLimits: { perCustomerPerMinute: 10, perVendorPerMinute: 2 } },
    });
    for (let i = 0; i < 4; i++) await postWebhook(vendor, messagesReceived({ phone: `22177556000${i}`, text: "aide" }));
    const mine = (s: { apiKey: string }) => s.apiKey === vendor.apiKey;
    await wasender.waitForSends(4, { predicate: mine, timeoutMs: 20_000 });
    const sends = wasender.sends.filter(mine);
    expect(sends.filter((s) => !SLOW_DOWN.test(s.text ?? ""))).toHaveLength(2);
    expect(sends.filter((s) => SLOW_DOWN.test(s.text ?? ""))).toHaveLength(2); // once per customer
  });
});
