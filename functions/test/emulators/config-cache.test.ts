import { Timestamp } from "firebase-admin/firestore";
import { spawn, type ChildProcess } from "node:child_process";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { ValueSealer } from "../../src/shared/sealed-value";
import { TieredCache } from "../../src/shared/tiered-cache";
import type { VendorSnapshot } from "../../src/store/config-cache";
import { handleWasenderWebhook } from "../../src/webhooks/wasender-webhook";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, postWebhook, sleep } from "../support/emulators";
import { functionInstance } from "../support/in-process";
import { metaFields, metaNumber } from "../support/meta";
import { countReads } from "../support/read-counter";

const REDIS_PORT = Number(process.env.LIVEPAY_TEST_REDIS_PORT);
const redisConfig = {
  url: process.env.UPSTASH_REDIS_REST_URL ?? "",
  token: process.env.UPSTASH_REDIS_REST_TOKEN ?? "",
  encryptionKey: process.env.CONFIG_CACHE_KEY ?? "",
};
if (!REDIS_PORT || !redisConfig.url)
  throw new Error("the Redis tests need npm test's Redis (LIVEPAY_TEST_REDIS_PORT, UPSTASH_REDIS_REST_URL)");

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
    await eventually(
      async () => ((await db.collection("phone_index").doc(phone).get()).exists ? true : undefined),
      15_000,
      "onboarding done",
    );
    await sleep(1_000);
    const cold = await countReads(() =>
      handleWasenderWebhook(request(vendor.vendorId, vendor.secret, messagesReceived())),
    );
    const warm = await countReads(async () => {
      const res = await handleWasenderWebhook(request(vendor.vendorId, vendor.secret, messagesReceived()));
      expect(res.status).toBe(200);
    });
    expect(cold).toBe(2);
    expect(warm).toBe(0);
    // Once written (a request after the 2 s memory copy expires writes it again if anything dropped it).
    const ttl = await eventually(
      async () => {
        const seconds = await redis.ttl(`livepay:v1:vendor:${vendor.vendorId}`);
        if (seconds > 0) return seconds;
        await handleWasenderWebhook(request(vendor.vendorId, vendor.secret, messagesReceived()));
        return undefined;
      },
      10_000,
      "the entry in Redis",
    );
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
    await eventually(
      async () => {
        const raw = await redis.get(key);
        if (raw === null) return true;
        const stored = JSON.parse(raw) as { __invalidatedAt?: number };
        // A configuration entry is sealed: opened with the cache key to see which configuration it holds.
        const sealer = new ValueSealer(redisConfig.encryptionKey);
        const entry = sealer.open<{ config?: { welcomeMessage?: string } }>(key, stored);
        return "__invalidatedAt" in stored || entry?.config?.welcomeMessage === "Nouveau" ? true : undefined;
      },
      20_000,
      "the old entry dropped",
    );
    // And, once a warm instance's memory copy (2 s at most with Redis) is gone, customers hear the new welcome.
    await sleep(2_100);
    await postWebhook(vendor, messagesReceived({ phone: "221775550099", text: "bonjour" }));
    const [welcome] = await wasender.waitForSends(1, {
      predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221775550099",
    });
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
    expect(
      (await postWebhook(vendor, messagesReceived(), { signing: { scheme: "secret", secret: "wrong" } })).status,
    ).toBe(401);
    expect((await postWebhook({ vendorId: "vendor_nobody", secret: "x" }, messagesReceived())).status).toBe(404);
    const other = await createVendor(db, { apiUrl: wasender.apiUrl });
    expect((await postWebhook(other, messagesReceived())).status).toBe(200);
    const inProcess = new TieredCache(redisConfig);
    await inProcess.set("test:down", 1);
    expect(await inProcess.get("test:down")).toBe(1); // memory alone
    const [reply] = await wasender.waitForSends(1, {
      predicate: (s) => s.apiKey === vendor.apiKey && s.text !== undefined,
    });
    expect(reply!.to).toBe("+221771234567");

    restarted = spawn(
      "redis-server",
      ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
        detached: true,
      },
    );
    restarted.unref();
    await eventually(
      async () => {
        const probe = new TieredCache(redisConfig);
        await probe.set("test:back", 2);
        return (await new TieredCache(redisConfig).get("test:back")) === 2 ? true : undefined;
      },
      15_000,
      "Redis back",
    );
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

/** Every key in Redis and everything stored under it, whatever its type, as text. */
async function everythingStored(): Promise<Array<{ key: string; text: string }>> {
  const stored: Array<{ key: string; text: string }> = [];
  for await (const keys of redis.scanIterator({ COUNT: 500 })) {
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === "string"
          ? await redis.get(key)
          : type === "hash"
            ? await redis.hGetAll(key)
            : type === "list"
              ? await redis.lRange(key, 0, -1)
              : type === "set"
                ? await redis.sMembers(key)
                : type === "zset"
                  ? await redis.zRange(key, 0, -1)
                  : `(${type})`;
      stored.push({ key, text: JSON.stringify(value) });
    }
  }
  return stored;
}

describe("what Redis holds", () => {
  it("no API key, token or secret in clear: configuration entries are sealed with the cache key", async () => {
    const number = metaNumber();
    const accessToken = `wasender-token-${Date.now()}`;
    const previousSecret = `previous-${Date.now()}`;
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: {
        ...metaFields(number, "http://127.0.0.1:9/v25.0"),
        failoverProvider: "meta",
        wasenderAccessToken: accessToken,
        previousWebhookSecret: previousSecret,
        previousWebhookSecretExpiresAt: Timestamp.fromMillis(Date.now() + 3_600_000),
      },
    });
    const phone = (await db.collection("waba_instances").doc(vendor.wabaInstanceId).get()).get("phoneNumber") as string;
    const indexed = async () => ((await db.collection("phone_index").doc(phone).get()).exists ? true : undefined);
    await eventually(indexed, 15_000, "onboarding done");
    await sleep(1_000);
    // Cached by the functions (a webhook through Hosting, its reply) and by an instance in this process.
    expect((await postWebhook(vendor, messagesReceived())).status).toBe(200);
    await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey });
    const { cache } = functionInstance("redis");
    await cache.readVendorSnapshot(vendor.vendorId, { fresh: true });
    const key = `livepay:v1:vendor:${vendor.vendorId}`;
    const entry = await eventually(
      async () => {
        const raw = await redis.get(key);
        return raw && raw.includes("__sealed") ? raw : undefined;
      },
      10_000,
      "the vendor's sealed entry in Redis",
    );

    const credentials = {
      wasenderApiKey: vendor.apiKey,
      wasenderWebhookSecret: vendor.secret,
      previousWebhookSecret: previousSecret,
      wasenderAccessToken: accessToken,
      metaAccessToken: number.accessToken,
      metaAppSecret: number.appSecret,
      metaVerifyToken: number.verifyToken,
      redisToken: redisConfig.token,
      cacheKey: redisConfig.encryptionKey,
    };
    const stored = await everythingStored();
    const leaks = stored.flatMap(({ key: name, text }) =>
      Object.entries(credentials)
        .filter(([, value]) => value && (text.includes(value) || name.includes(value)))
        .map(([field]) => `${field} in ${name}`),
    );
    console.log(`redis: ${stored.length} keys read, credentials found in clear: ${leaks.length}`);
    expect(leaks).toEqual([]);
    // The entry does hold the credentials, for whoever has the cache key, and only under its own name.
    const sealer = new ValueSealer(redisConfig.encryptionKey);
    const opened = sealer.open<VendorSnapshot>(key, JSON.parse(entry) as unknown);
    expect(opened?.instances[0]?.data.wasenderApiKey).toBe(vendor.apiKey);
    expect(sealer.open(`livepay:v1:vendor:other_vendor`, JSON.parse(entry) as unknown)).toBeUndefined();
    expect(new ValueSealer("x".repeat(40)).open(key, JSON.parse(entry) as unknown)).toBeUndefined();
  });
});
