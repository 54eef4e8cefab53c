import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { ProviderRegistry } from "../../src/providers/registry";
import type { ConfigCache } from "../../src/store/config-cache";
import { readVendorInstanceCached } from "../../src/store/waba-instances";
import { ProviderServices } from "../../src/providers/services";
import { adminDb, createVendor, eventually, sleep } from "../support/emulators";
import { countReads, functionInstance, type CacheMode } from "../support/in-process";

/**
 * An operator changes a number's Wasender key and session id (a leaked key regenerated, a migrated
 * session): the next send of every function instance uses the new ones within 5 s, whatever that
 * instance cached, with or without Redis. The "function instance" is a separate configuration cache in
 * this process, warmed (and used to send) before the change; the send is the real provider's, to the
 * fake Wasender, which records the key each request carried.
 */
const db = adminDb();
const BOUND_MS = 5_000;
let wasender: FakeWasender;
const providers = () => new ProviderRegistry(() => wasender.apiUrl, { services: new ProviderServices() });

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(async () => {
  await wasender.close();
});

/** Sends one message the way the send path resolves the number (from `cache`); returns the key Wasender saw. */
async function sendAndSeeKey(
  cache: ConfigCache,
  vendorId: string,
  wabaInstanceId: string,
  registry: ProviderRegistry,
): Promise<string> {
  const check = await readVendorInstanceCached(vendorId, wabaInstanceId, cache);
  if (!check?.usable) throw new Error(`waba_instances/${wabaInstanceId} not usable: ${JSON.stringify(check)}`);
  const text = `probe ${randomUUID()}`;
  const result = await registry.forInstance(check.instance)!.send("+221770000001", { text });
  expect(result.ok).toBe(true);
  const [sent] = await wasender.waitForSends(1, { predicate: (s) => s.text === text });
  return sent!.apiKey;
}

describe.each<CacheMode>(["memory", "redis"])(
  "a changed Wasender key on another warm function instance (%s cache)",
  (mode) => {
    it(`is used for the next send within ${BOUND_MS / 1000} s, and the old one never after`, async () => {
      const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
      // The onboarding trigger's own invalidation is over before warming (it would look like freshness).
      const phone = (await db.collection("waba_instances").doc(vendor.wabaInstanceId).get()).get(
        "phoneNumber",
      ) as string;
      await eventually(
        async () => ((await db.collection("phone_index").doc(phone).get()).exists ? true : undefined),
        15_000,
        "onboarding done",
      );
      await sleep(1_000);
      const registry = providers();
      const { cache } = functionInstance(mode);
      expect(await sendAndSeeKey(cache, vendor.vendorId, vendor.wabaInstanceId, registry)).toBe(vendor.apiKey);
      // Warm: the next send resolves the number without a Firestore read.
      const warm = await countReads(() => sendAndSeeKey(cache, vendor.vendorId, vendor.wabaInstanceId, registry));
      expect(warm.result).toBe(vendor.apiKey);
      expect(warm.reads).toBe(0);

      const newKey = `key-${randomUUID()}`;
      const newSession = `session-${randomUUID()}`;
      await db
        .collection("waba_instances")
        .doc(vendor.wabaInstanceId)
        .update({ wasenderApiKey: newKey, wasenderInstanceId: newSession });
      const changedAt = Date.now();
      let firstNewAt: number | undefined;
      for (;;) {
        // Measured when the send starts: a send started after the bound must carry the new key.
        const elapsed = Date.now() - changedAt;
        const key = await sendAndSeeKey(cache, vendor.vendorId, vendor.wabaInstanceId, registry);
        if (key === newKey) firstNewAt ??= elapsed;
        else {
          expect(key).toBe(vendor.apiKey);
          // Once the new key is used, the old one never comes back; past the bound it is never used.
          expect(firstNewAt).toBeUndefined();
          expect(elapsed).toBeLessThan(BOUND_MS);
        }
        if (elapsed >= BOUND_MS + 500) break;
        await sleep(250);
      }
      console.log(`key rotation (${mode}): the warm instance sent with the new key ${firstNewAt} ms after the change`);
      expect(firstNewAt).toBeLessThanOrEqual(BOUND_MS);
      const check = await readVendorInstanceCached(vendor.vendorId, vendor.wabaInstanceId, cache);
      expect(check?.usable && check.instance.provider === "wasender" && check.instance.wasenderInstanceId).toBe(
        newSession,
      );
    });
  },
);
