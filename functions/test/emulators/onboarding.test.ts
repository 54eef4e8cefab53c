import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Timestamp } from "firebase-admin/firestore";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { WABAManager } from "../../src/onboarding/waba-manager";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, postWebhook, sleep, uniqueId } from "../support/emulators";

const db = adminDb();
const manager = new WABAManager();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(() => wasender.close());

function randomLocalNumber(): string {
  const digits = String(Math.floor(1_000_000 + Math.random() * 8_999_999));
  return `78 ${digits.slice(0, 3)} ${digits.slice(3, 5)} ${digits.slice(5, 7)}`;
}

const instanceDoc = (id: string) => db.collection("waba_instances").doc(id);
const field = async (id: string, name: string) => (await instanceDoc(id).get()).get(name);

describe("onboarding by editing waba_instances in the console", () => {
  it("onboards a vendor from its instance document alone: normalized phone, config, index, and a reply a moment later", async () => {
    const vendorId = uniqueId("onboard");
    const typed = randomLocalNumber();
    const e164 = `+221${typed.replace(/\s/g, "")}`;
    await instanceDoc(`waba_${vendorId}`).set({
      vendorId,
      phoneNumber: typed,
      provider: "wasender",
      wasenderInstanceId: `session-${vendorId}`,
      wasenderApiKey: `key-${vendorId}`,
      wasenderWebhookSecret: `secret-${vendorId}`,
      wasenderApiUrl: wasender.apiUrl,
    });
    await eventually(
      async () => ((await field(`waba_${vendorId}`, "phoneNumber")) === e164 ? true : undefined),
      15_000,
      "the phone normalized",
    );
    const config = await eventually(
      async () => {
        const snap = await db.collection("vendor_configs").doc(vendorId).get();
        return snap.get("wabaInstanceId") ? snap : undefined;
      },
      10_000,
      "vendor_configs created",
    );
    expect(config.data()).toMatchObject({ vendorId, wabaInstanceId: `waba_${vendorId}`, wabaProvider: "wasender" });

    const byPhone = await eventually(
      () => manager.findVendorByPhoneNumber(typed).then((r) => r ?? undefined),
      10_000,
      "the phone index",
    );
    expect(byPhone.vendorId).toBe(vendorId);
    expect((await manager.findVendorByWasenderInstanceId(`session-${vendorId}`))?.wabaInstance.id).toBe(
      `waba_${vendorId}`,
    );

    await postWebhook(
      { vendorId, secret: `secret-${vendorId}` },
      messagesReceived({ phone: "221770001122", text: "bonjour" }),
    );
    const [send] = await wasender.waitForSends(1, { predicate: (s) => s.apiKey === `key-${vendorId}` });
    expect(send!.to).toBe("+221770001122");
  });

  it("writes problems on the document for the operator, and clears them once fixed", async () => {
    const vendorId = uniqueId("broken");
    const id = `waba_${vendorId}`;
    await instanceDoc(id).set({ vendorId, phoneNumber: "12", provider: "whatsapp" });
    const problems = await eventually(
      async () => (await field(id, "configProblems")) as string[] | undefined,
      15_000,
      "configProblems",
    );
    expect(problems.join("\n")).toContain('phoneNumber: "12" is not a phone number');
    expect(problems.join("\n")).toContain("provider");
    await instanceDoc(id).update({
      phoneNumber: randomLocalNumber(),
      provider: "wasender",
      wasenderApiKey: "k",
      wasenderWebhookSecret: "s",
    });
    await eventually(
      async () => ((await field(id, "configProblems")) === undefined ? true : undefined),
      15_000,
      "configProblems cleared",
    );
  });

  it("refuses a phone number another vendor owns: the older owner keeps it, the newer document says why", async () => {
    const phone = randomLocalNumber();
    const older = uniqueId("older");
    const newer = uniqueId("newer");
    const base = { provider: "wasender", wasenderApiKey: "k", wasenderWebhookSecret: "s", phoneNumber: phone };
    await instanceDoc(`waba_${older}`).set({ ...base, vendorId: older });
    await eventually(
      () => manager.findVendorByPhoneNumber(phone).then((r) => r ?? undefined),
      15_000,
      "the older owner indexed",
    );
    await instanceDoc(`waba_${newer}`).set({
      ...base,
      vendorId: newer,
      phoneNumber: `+221${phone.replace(/\s/g, "")}`,
    });
    const problems = await eventually(
      async () => (await field(`waba_${newer}`, "configProblems")) as string[] | undefined,
      15_000,
      "the refusal",
    );
    // The document says the phone is in use, never by whom (the vendor's staff read it); operators
    // find the owner in claimConflicts.
    expect(problems[0]).toContain("is already in use by another number");
    expect(problems[0]).not.toContain(older);
    expect(await field(`waba_${newer}`, "claimConflicts")).toEqual([
      expect.objectContaining({ field: "phoneNumber", ownerVendorId: older, ownerInstanceId: `waba_${older}` }),
    ]);
    expect((await manager.findVendorByPhoneNumber(phone))?.vendorId).toBe(older);
    // The refused instance is never used, not even for its own vendor's webhook.
    const res = await postWebhook({ vendorId: newer, secret: "s" }, messagesReceived());
    expect(res.status).toBe(409);
    // Answered before any signature is checked: it says where to look, never whose number it is.
    expect(res.json.error.problems).toContain(
      `waba_instances/waba_${newer}.configProblems: refused by the onboarding check (the reasons are on the document)`,
    );
    expect(res.text).not.toContain(older);
    expect(res.text).not.toContain(phone.replace(/\s/g, "").slice(-6));
  });

  it("frees the phone and repoints vendor_configs when an instance is deleted", async () => {
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { phoneNumber: `+22178${Math.floor(1_000_000 + Math.random() * 8_999_999)}` },
    });
    const phone = (await instanceDoc(vendor.wabaInstanceId).get()).get("phoneNumber") as string;
    await eventually(() => manager.findVendorByPhoneNumber(phone).then((r) => r ?? undefined), 15_000, "indexed");
    await instanceDoc(vendor.wabaInstanceId).delete();
    await eventually(
      async () => ((await db.collection("phone_index").doc(phone).get()).exists ? undefined : true),
      15_000,
      "index freed",
    );
    await eventually(
      async () =>
        (await db.collection("vendor_configs").doc(vendor.vendorId).get()).get("wabaInstanceId") === undefined
          ? true
          : undefined,
      15_000,
      "config unset",
    );
    // This process cached the lookup; Redis was invalidated at once, its own memory copy lives 2 s at most.
    await eventually(
      async () => ((await manager.findVendorByPhoneNumber(phone)) === null ? true : undefined),
      15_000,
      "the lookup gone",
    );
  });
});

describe("webhook secret rotation", () => {
  it("takes a rotated secret at once, and accepts the previous one only until it expires", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const old = vendor.secret;
    await instanceDoc(vendor.wabaInstanceId).update({ wasenderWebhookSecret: "new-secret" });
    expect((await postWebhook({ ...vendor, secret: old }, messagesReceived())).status).toBe(401);
    expect((await postWebhook({ ...vendor, secret: "new-secret" }, messagesReceived())).status).toBe(200);

    const expiresAt = Date.now() + 3_000;
    await instanceDoc(vendor.wabaInstanceId).update({
      previousWebhookSecret: old,
      previousWebhookSecretExpiresAt: Timestamp.fromMillis(expiresAt),
    });
    expect((await postWebhook({ ...vendor, secret: old }, messagesReceived())).status).toBe(200);
    expect((await postWebhook({ ...vendor, secret: "new-secret" }, messagesReceived())).status).toBe(200);
    await sleep(expiresAt - Date.now() + 200);
    // Checked against the clock on every request, cached or not.
    expect((await postWebhook({ ...vendor, secret: old }, messagesReceived())).status).toBe(401);
    expect((await postWebhook({ ...vendor, secret: "new-secret" }, messagesReceived())).status).toBe(200);
  });
});

describe("short webhook secrets", () => {
  it("a one-character secret written in Firestore is a notice naming the field, never an outage", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, instance: { wasenderWebhookSecret: "s" } });
    const notices = await eventually(
      async () => (await field(vendor.wabaInstanceId, "configNotices")) as string[] | undefined,
      15_000,
      "the notices written",
    );
    expect(notices).toEqual([
      "wasenderWebhookSecret: shorter than 16 characters, it could be guessed; set a new one of at least 16",
    ]);
    expect(await field(vendor.wabaInstanceId, "configProblems")).toBeUndefined();
    // The number still works: a message signed with that secret is taken and answered.
    const res = await postWebhook({ ...vendor, secret: "s" }, messagesReceived({ text: "aide" }));
    expect(res.status).toBe(200);
    expect(res.json.results[0].outcome).toBe("stored");
    await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey, timeoutMs: 20_000 });

    // A secret of 16 characters clears the notice.
    await instanceDoc(vendor.wabaInstanceId).update({ wasenderWebhookSecret: "0123456789abcdef" });
    await eventually(
      async () => ((await field(vendor.wabaInstanceId, "configNotices")) === undefined ? true : undefined),
      15_000,
      "the notice cleared",
    );
  });
});
