import { spawn, type ChildProcess } from "node:child_process";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { TieredCache } from "../../src/shared/tiered-cache";
import { handleWasenderWebhook } from "../../src/webhooks/wasender-webhook";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, postWebhook, sleep } from "../support/emulators";
import { countReads } from "../support/read-counter";

const REDIS_PORT = Number(process.env.LIVEPAY_TEST_REDIS_PORT);
const redisConfig = { url: process.env.UPSTASH_REDIS_REST_URL ?? "", token: process.env.UPSTASH_REDIS_REST_TOKEN ?? "" };
if (!REDIS_PORT || !redisConfig.url) throw new Error("the Redis tests need npm test's Redis (LIVEPAY_TEST_REDIS_PORT, UPSTASH_REDIS_REST_URL)");

const db = adminDb();
const redis = createClient({ url: `redis://127.0.0.1:${REDIS_PORT}`, disableOfflineQueue: true });
let wasender: FakeWasender;
let restarted: ChildProcess | undefined;

beforeAll(async () => {
  redis.on("error", () => {});
  await redis.connect();
  wasender = await startFakeWasender();
});
afterAll(async () => {
  await wasender.close();
  redis.destroy();
});


function request(vendorId: string, secret: string, body: unknown) {
  return {
    method: "POST",
    path: `/${vendorId}`,
    headers: { "x-webhook-signature": secret, "content-type": "application/json" },
    rawBody: Buffer.from(JSON.stringify(body)),
  };
}

describe("configuration cache (memory in front of Redis)", () => {
  it("serves a warm webhook without any Firestore read for configuration, and keeps the entry in Redis for an hour", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    // Let the onboarding triggers of those writes (which invalidate this vendor's entry) finish first.
    const phone = (await db.collection("waba_instances").doc(vendor.wabaInstanceId).get()).get("phoneNumber") as string;
    await eventually(async () => ((await db.collection("phone_index").doc(phone).get()).exists ? true : undefined), 15_000, "onboarding done");
    await sleep(1_000);
    const cold = await countReads(() => handleWasenderWebhook(request(vendor.vendorId, vendor.secret, messagesReceived())));
    const warm = await countReads(async () => {
      const res = await handleWasenderWebhook(request(vendor.vendorId, vendor.secret, messagesReceived()));
      expect(res.status).toBe(200);
    });
    expect(cold).toBe(2);
    expect(warm).toBe(0);
    // Once written (a request after the 2 s memory copy expires writes it again if anything dropped it).
    const ttl = await eventually(async () => {
      const seconds = await redis.ttl(`livepay:v1:vendor:${vendor.vendorId}`);
      if (seconds > 0) return seconds;
      await handleWasenderWebhook(request(vendor.vendorId, vendor.secret, messagesReceived()));
      return undefined;
    }, 10_000, "the entry in Redis");
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it("shares entries between function instances through Redis", async () => {
    const a = new TieredCache(redisConfig);
    const b = new TieredCache(redisConfig);
    await a.set("test:shared", { hello: "dakar" });
    expect(await b.get("test:shared")).toEqual({ hello: "dakar" });
    await a.delete(["test:shared"]);
    expect(await new TieredCache(redisConfig).get("test:shared")).toBeUndefined();
  });

  it("drops a vendor's cached configuration as soon as its documents change", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    expect((await postWebhook(vendor, messagesReceived())).status).toBe(200);
    const key = `livepay:v1:vendor:${vendor.vendorId}`;
    // The reply to that message, sent, so the reads it made are over before the change.
    await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey });
    await eventually(async () => ((await redis.exists(key)) ? true : undefined), 10_000, "the entry cached");
    await db.collection("vendor_configs").doc(vendor.vendorId).update({ welcomeMessage: "Nouveau" });
    // Invalidated: the entry is replaced by a tombstone (the time of the change), which readers take as
    // a miss; a read begun after the change (a reply's, say) may then cache the new configuration. What
    // Redis may never hold again is the old one.
    await eventually(async () => {
      const raw = await redis.get(key);
      if (raw === null) return true;
      const entry = JSON.parse(raw) as { __invalidatedAt?: number; config?: { welcomeMessage?: string } };
      return "__invalidatedAt" in entry || entry.config?.welcomeMessage === "Nouveau" ? true : undefined;
    }, 20_000, "the old entry dropped");
    // And, once a warm instance's memory copy (2 s at most with Redis) is gone, customers hear the new welcome.
    await sleep(2_100);
    await postWebhook(vendor, messagesReceived({ phone: "221775550099", text: "bonjour" }));
    const [welcome] = await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221775550099" });
    expect(welcome!.text).toContain("Nouveau");
  });

  it("answers every request correctly while Redis is stopped, and uses it again once back", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    expect((await postWebhook(vendor, messagesReceived())).status).toBe(200);
    await redis.sendCommand(["SHUTDOWN", "NOSAVE"]).catch(() => {});
    await sleep(200);

    const stored = await postWebhook(vendor, messagesReceived({ text: "bonjour" }));
    expect(stored.status).toBe(200);
    expect(stored.json.results[0].outcome).toBe("stored");
    expect((await postWebhook(vendor, messagesReceived(), { signing: { scheme: "secret", secret: "wrong" } })).status).toBe(401);
    expect((await postWebhook({ vendorId: "vendor_nobody", secret: "x" }, messagesReceived())).status).toBe(404);
    const other = await createVendor(db, { apiUrl: wasender.apiUrl });
    expect((await postWebhook(other, messagesReceived())).status).toBe(200);
    const inProcess = new TieredCache(redisConfig);
    await inProcess.set("test:down", 1);
    expect(await inProcess.get("test:down")).toBe(1); // memory alone
    const [reply] = await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey && s.text !== undefined });
    expect(reply!.to).toBe("+221771234567");

    restarted = spawn("redis-server", ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
      detached: true,
    });
    restarted.unref();
    await eventually(async () => {
      const probe = new TieredCache(redisConfig);
      await probe.set("test:back", 2);
      return (await new TieredCache(redisConfig).get("test:back")) === 2 ? true : undefined;
    }, 15_000, "Redis back");
  });
});

describe("an invalidation racing a read of the documents", () => {
  it("keeps the invalidation: a value read before it cannot replace it in Redis", async () => {
    const a = new TieredCache(redisConfig);
    const readBefore = Date.now() - 1_000;
    await a.set("test:race", { secret: "old" }, { readAt: readBefore - 1_000 });
    await a.delete(["test:race"]); // the trigger, after the change
    await a.set("test:race", { secret: "old" }, { readAt: readBefore }); // a read begun before the change, written after
    expect(await new TieredCache(redisConfig).get("test:race")).toBeUndefined();
    await a.set("test:race", { secret: "new" }, { readAt: Date.now() + 1 }); // a read begun after it
    expect(await new TieredCache(redisConfig).get("test:race")).toEqual({ secret: "new" });
  });
});
