import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { migrateVendors, parseVendorFile } from "../../src/migration/migrate-vendors";
import { ProviderServices } from "../../src/providers/services";
import { messagesReceived } from "../support/payloads";
import { adminDb, eventually, postWebhook, uniqueId } from "../support/emulators";

const db = adminDb();
const registry = new ProviderServices();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(async () => {
  await registry.close();
  await wasender.close();
});

const randomPhone = () => `+22170${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;

describe("migration from the centralized number", () => {
  it("creates instances and configs from JSON, registers webhooks, and is safe to re-run", async () => {
    const [a, b] = [uniqueId("mig"), uniqueId("mig")];
    wasender.addSession(`s-${a}`, "pat-a");
    const phoneA = randomPhone();
    const json = JSON.stringify([
      {
        vendorId: a,
        phone: phoneA,
        sessionId: `s-${a}`,
        apiKey: `k-${a}`,
        webhookSecret: `w-${a}`,
        accessToken: "pat-a",
        apiUrl: wasender.apiUrl,
      },
      { vendorId: b, phone: "not a phone", sessionId: `s-${b}`, apiKey: "k", webhookSecret: "w" },
      { vendorId: b, sessionId: "x" },
    ]);
    const register = { publicBaseUrl: "https://livepay.tech", defaultApiUrl: wasender.apiUrl, registry };
    const reports = await migrateVendors(parseVendorFile(json, "json"), { registerWebhooks: register });
    expect(reports.map((r) => r.outcome)).toEqual(["created", "invalid", "invalid"]);
    expect(reports[0]!.webhook).toBe(`registered https://livepay.tech/api/webhooks/wasender/${a}`);
    expect(reports[1]!.problems![0]).toContain("not a phone number");
    expect(reports[2]!.problems!.join()).toContain("phone");
    expect(wasender.sessionSettings.get(`s-${a}`)).toMatchObject({
      webhook_url: `https://livepay.tech/api/webhooks/wasender/${a}`,
      webhook_enabled: true,
    });

    const config = await db.collection("vendor_configs").doc(a).get();
    expect(config.data()).toMatchObject({ vendorId: a, wabaInstanceId: `waba_${a}`, wabaProvider: "wasender" });
    expect((await db.collection("waba_instances").doc(`waba_${a}`).get()).data()).toMatchObject({
      vendorId: a,
      phoneNumber: phoneA,
      wasenderInstanceId: `s-${a}`,
      wasenderApiKey: `k-${a}`,
      wasenderWebhookSecret: `w-${a}`,
    });

    const again = await migrateVendors(parseVendorFile(json, "json"));
    expect(again[0]!.outcome).toBe("unchanged");

    // The migrated vendor receives and answers at once.
    await postWebhook({ vendorId: a, secret: `w-${a}` }, messagesReceived({ text: "bonjour" }));
    await wasender.waitForSends(1, { predicate: (s) => s.apiKey === `k-${a}` });
  });

  it("reads CSV with the instance field names, updates a changed key, and refuses another vendor's phone", async () => {
    const [c, d] = [uniqueId("mig"), uniqueId("mig")];
    const phone = randomPhone();
    const csv = (key: string) =>
      `vendor_id,phone_number,wasenderInstanceId,wasenderApiKey,secret\n${c},${phone},s-${c},${key},w-${c}\n`;
    expect((await migrateVendors(parseVendorFile(csv("k1"), "csv")))[0]!.outcome).toBe("created");
    expect((await migrateVendors(parseVendorFile(csv("k2"), "csv")))[0]!.outcome).toBe("updated");
    expect((await db.collection("waba_instances").doc(`waba_${c}`).get()).get("wasenderApiKey")).toBe("k2");

    await eventually(
      async () => ((await db.collection("phone_index").doc(phone).get()).exists ? true : undefined),
      15_000,
      "the phone indexed",
    );
    const clash = `vendorId,phone,sessionId,apiKey,webhookSecret\n${d},${phone},s-${d},k,w\n`;
    const [report] = await migrateVendors(parseVendorFile(clash, "csv"));
    expect(report).toMatchObject({
      outcome: "conflict",
      problems: [expect.stringContaining(`belongs to vendor "${c}"`)],
    });
  });
});
