import type { DocumentSnapshot } from "firebase-admin/firestore";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeWasender, startFakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { markInstanceProblem } from "../../src/outbound/failure";
import { firestore } from "../../src/shared/firestore";
import {
  isStaleRuntime,
  readRuntimeForSend,
  recordProviderError,
  writeCircuitAsRead,
} from "../../src/store/waba-instances";
import { handleWasenderWebhook } from "../../src/webhooks/wasender-webhook";
import { ValueSealer } from "../../src/shared/sealed-value";
import { adminDb, createVendor, eventually, postWebhook, sleep, type TestVendor } from "../support/emulators";
import { countReads } from "../support/read-counter";

// Runtime state (circuit, provider errors, delivery problem, QR code, session) lives on
// `waba_runtime/{wabaInstanceId}`: writing it must leave the instance an operator edits untouched, so
// no onboarding trigger runs and no cached credential is evicted. Only a status change reaches the instance.

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

/** An event the webhook ignores: its whole path is the vendor gate (the cached configuration) and the signature. */
function ignoredEvent(vendor: TestVendor) {
  return {
    method: "POST",
    path: `/${vendor.vendorId}`,
    headers: { "x-webhook-signature": vendor.secret, "content-type": "application/json" },
    rawBody: Buffer.from(JSON.stringify({ event: "chats.update", data: { id: "x" } })),
  };
}

/**
 * The vendor's entry in Redis: a cached snapshot (with the time it was read; sealed, opened with the
 * cache key) or an invalidation's tombstone.
 */
async function cachedEntry(vendorId: string): Promise<{ readAt?: number; __invalidatedAt?: number } | undefined> {
  const key = `livepay:v1:vendor:${vendorId}`;
  const raw = await redis.get(key);
  if (raw === null) return undefined;
  const stored = JSON.parse(raw) as { __invalidatedAt?: number };
  if ("__invalidatedAt" in stored) return stored;
  return new ValueSealer(process.env.CONFIG_CACHE_KEY ?? "").open<{ readAt?: number }>(key, stored) ?? {};
}

const instanceDoc = (vendor: TestVendor) => db.collection("waba_instances").doc(vendor.wabaInstanceId).get();
const runtimeDoc = (vendor: TestVendor) => db.collection("waba_runtime").doc(vendor.wabaInstanceId).get();
const postConnection = (vendor: TestVendor, body: unknown) =>
  postWebhook(vendor, body, { path: `/api/webhooks/wasender/${vendor.vendorId}/connection` });

/** A vendor onboarded (its trigger's writes, the runtime status copy included, done) with its configuration cached. */
async function onboardedAndCached(): Promise<{
  vendor: TestVendor;
  cached: { readAt: number };
  before: DocumentSnapshot;
}> {
  const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
  await eventually(
    async () => ((await db.collection("phone_index").doc(vendor.phoneNumber).get()).exists ? true : undefined),
    15_000,
    "onboarding done",
  );
  await eventually(
    async () => ((await runtimeDoc(vendor)).get("status") === "connected" ? true : undefined),
    15_000,
    "the status copied",
  );
  await sleep(1_000);
  expect((await handleWasenderWebhook(ignoredEvent(vendor))).status).toBe(200);
  const cached = await eventually(
    async () => {
      const entry = await cachedEntry(vendor.vendorId);
      return entry?.readAt !== undefined && !("__invalidatedAt" in entry) ? { readAt: entry.readAt } : undefined;
    },
    10_000,
    "the configuration cached in Redis",
  );
  return { vendor, cached, before: await instanceDoc(vendor) };
}

describe("runtime state on waba_runtime", () => {
  it("a QR code, a repeated session status, a circuit move, a provider error and a delivery problem leave the instance and its cached credentials alone", async () => {
    const { vendor, cached, before } = await onboardedAndCached();

    // (A "connected" status removes the QR code: the QR comes after it.)
    expect((await postConnection(vendor, { event: "session.status", data: { status: "connected" } })).status).toBe(200);
    expect((await postConnection(vendor, { event: "qrcode.updated", data: { qr: "2@scan-me" } })).status).toBe(200);
    const since = Date.now();
    const open = { state: "open" as const, since, reason: "3 Wasender failures in a row", failures: 3 };
    const stale = await readRuntimeForSend(vendor.wabaInstanceId);
    // Another run writes the runtime after this read: a circuit written on that read is refused...
    await recordProviderError(vendor.wabaInstanceId, "unipile", { code: "timeout", message: "slow" });
    const refused = await firestore()
      .runTransaction(async (tx) => writeCircuitAsRead(tx, vendor.wabaInstanceId, open, stale))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isStaleRuntime(refused)).toBe(true);
    expect((await runtimeDoc(vendor)).get("circuit")).toBeUndefined();
    // ...and written on a fresh one.
    const fresh = await readRuntimeForSend(vendor.wabaInstanceId);
    await firestore().runTransaction(async (tx) =>
      writeCircuitAsRead(tx, vendor.wabaInstanceId, { ...open, probeAt: since + 60_000 }, fresh),
    );
    await recordProviderError(vendor.wabaInstanceId, "wasender", {
      code: "server_error",
      message: "Wasender failed: 503",
    });
    await markInstanceProblem(vendor.wabaInstanceId, { code: "unauthorized", message: "Unauthenticated." });

    // All of it on the runtime document, and read back by the send path's one read.
    const runtime = await runtimeDoc(vendor);
    expect(runtime.data()).toMatchObject({
      status: "connected",
      sessionStatus: "connected",
      qrCode: "2@scan-me",
      circuit: { state: "open", failures: 3 },
      providerErrors: { wasender: { code: "server_error", message: "Wasender failed: 503" } },
      deliveryProblem: { code: "unauthorized", message: "Unauthenticated." },
    });
    const { runtime: read } = await readRuntimeForSend(vendor.wabaInstanceId);
    expect(read).toMatchObject({
      status: "connected",
      sessionStatus: "connected",
      circuit: { state: "open", since, probeAt: since + 60_000 },
    });

    // No write at all on the instance: so no onboarding trigger ran and nothing was invalidated.
    const after = await instanceDoc(vendor);
    expect(after.updateTime!.isEqual(before.updateTime!)).toBe(true);
    expect(after.get("updatedAt")).toEqual(before.get("updatedAt"));
    expect(after.get("configProblems")).toBeUndefined();
    for (const field of [
      "qrCode",
      "circuit",
      "providerErrors",
      "deliveryProblem",
      "sessionStatus",
      "connectionHistory",
    ])
      expect(after.get(field), field).toBeUndefined();

    // The cached configuration is still the one read before (no tombstone), and once this process's
    // memory copy is gone (2 s with Redis) a request is still served from it without any Firestore read.
    expect(await cachedEntry(vendor.vendorId)).toMatchObject({ readAt: cached.readAt });
    expect(await cachedEntry(vendor.vendorId)).not.toHaveProperty("__invalidatedAt");
    await sleep(2_100);
    const reads = await countReads(async () =>
      expect((await handleWasenderWebhook(ignoredEvent(vendor))).status).toBe(200),
    );
    expect(reads).toBe(0);
  }, 60_000);

  it("a status change does reach the instance (status, lastSync), evicting its cache entry; an operator's status edit is copied for the send path", async () => {
    const { vendor, cached, before } = await onboardedAndCached();

    const res = await postConnection(vendor, { event: "session.status", data: { status: "need_scan" } });
    expect(res.status).toBe(200);
    const after = await instanceDoc(vendor);
    expect(after.get("status")).toBe("disconnected");
    expect(after.get("lastSync")).toBeTruthy();
    expect(after.updateTime!.isEqual(before.updateTime!)).toBe(false);
    expect((await runtimeDoc(vendor)).data()).toMatchObject({ status: "disconnected", sessionStatus: "need_scan" });
    // The trigger's invalidation: the entry read before the change is gone from Redis.
    await eventually(
      async () => {
        const entry = await cachedEntry(vendor.vendorId);
        return !entry || "__invalidatedAt" in entry || (entry.readAt ?? 0) > cached.readAt ? true : undefined;
      },
      20_000,
      "the cache entry invalidated",
    );

    // The same status again: no second write on the instance.
    expect((await postConnection(vendor, { event: "session.status", data: { status: "logged_out" } })).status).toBe(
      200,
    );
    const again = await instanceDoc(vendor);
    expect(again.updateTime!.isEqual(after.updateTime!)).toBe(true);
    expect((await runtimeDoc(vendor)).get("sessionStatus")).toBe("logged_out");

    // An operator sets the status in the console: the trigger copies it where the send path reads it.
    await db.collection("waba_instances").doc(vendor.wabaInstanceId).update({ status: "connected" });
    await eventually(
      async () => ((await runtimeDoc(vendor)).get("status") === "connected" ? true : undefined),
      15_000,
      "the status copied",
    );
  }, 60_000);
});
