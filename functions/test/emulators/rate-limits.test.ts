import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, messagesOf, outboundOf, postWebhook } from "../support/emulators";

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
 * straddling a minute boundary may let one message more through (the README says so, and
 * inbound-limiter-redis.test.ts shows it with a set clock). These floods run on the wall clock, in the
 * functions' process: when their checks may have straddled a boundary (a check runs shortly before
 * its decision commits), one more answer is allowed for.
 */
function answersAllowed(limit: number, decidedAt: number[]): number[] {
  const first = Math.floor((Math.min(...decidedAt) - 5_000) / 60_000);
  const last = Math.floor(Math.max(...decidedAt) / 60_000);
  return first === last ? [limit] : [limit, limit + 1];
}

/** The time a decision committed (its `processing.decidedAt`). */
function decidedAtOf(doc: FirebaseFirestore.DocumentSnapshot): number {
  return (doc.get("processing.decidedAt") as FirebaseFirestore.Timestamp).toMillis();
}

/** Every reply of these conversations ended (sent or failed): nothing more will reach Wasender. */
async function everyReplyEnded(vendorId: string, customers: string[]): Promise<number> {
  return eventually(
    async () => {
      let sent = 0;
      for (const customer of customers) {
        const replies = await outboundOf(db, vendorId, customer).get();
        if (replies.docs.some((d) => !["sent", "failed"].includes(String(d.get("status"))))) return undefined;
        sent += replies.docs.filter((d) => d.get("status") === "sent").length;
      }
      return sent;
    },
    20_000,
    "every reply sent",
  );
}

describe("inbound rate limits (real Redis through @upstash/ratelimit)", () => {
  it(
    "stores a flood from one phone whole, answers up to the limit, and says 'slow down' once",
    { timeout: 60_000 },
    async () => {
      const vendor = await createVendor(db, {
        apiUrl: wasender.apiUrl,
        config: { rateLimits: { perCustomerPerMinute: 3, perVendorPerMinute: 100 } },
      });
      const customer = "+221775550001";
      for (let i = 0; i < 8; i++) {
        const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }));
        expect(res.json.results[0].outcome).toBe("stored");
      }
      const inbound = await eventually(
        async () => {
          const snap = await messagesOf(db, vendor.vendorId, customer).where("direction", "==", "inbound").get();
          return snap.docs.every((d) => d.get("processing.state") !== "pending") ? snap : undefined;
        },
        20_000,
        "every message decided",
      );
      expect(inbound.size).toBe(8);
      const sent = await everyReplyEnded(vendor.vendorId, [customer]);
      const mine = (s: { apiKey: string }) => s.apiKey === vendor.apiKey;
      const sends = wasender.sends.filter(mine);
      expect(sends).toHaveLength(sent);
      const answers = sends.filter((s) => !SLOW_DOWN.test(s.text ?? "")).length;
      expect(answersAllowed(3, inbound.docs.map(decidedAtOf))).toContain(answers);
      expect(sends.filter((s) => SLOW_DOWN.test(s.text ?? ""))).toHaveLength(1);
      const limited = inbound.docs.filter((d) => String(d.get("processing.reason") ?? "").startsWith("rate limited"));
      expect(limited).toHaveLength(8 - answers);

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
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      config: { rateLimits: { perCustomerPerMinute: 10, perVendorPerMinute: 2 } },
    });
    const customers = [0, 1, 2, 3].map((i) => `+22177556000${i}`);
    for (const customer of customers)
      await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }));
    const decided = await eventually(
      async () => {
        const times: number[] = [];
        for (const customer of customers) {
          const snap = await messagesOf(db, vendor.vendorId, customer).where("direction", "==", "inbound").get();
          if (snap.empty || snap.docs.some((d) => d.get("processing.state") === "pending")) return undefined;
          times.push(...snap.docs.map(decidedAtOf));
        }
        return times;
      },
      20_000,
      "every message decided",
    );
    const sent = await everyReplyEnded(vendor.vendorId, customers);
    const sends = wasender.sends.filter((s) => s.apiKey === vendor.apiKey);
    expect(sends).toHaveLength(sent);
    const answers = sends.filter((s) => !SLOW_DOWN.test(s.text ?? "")).length;
    expect(answersAllowed(2, decided)).toContain(answers);
    expect(sends.filter((s) => SLOW_DOWN.test(s.text ?? ""))).toHaveLength(4 - answers); // once per customer
  });
});
