import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived, waMessageId } from "../support/payloads";
import { expectProductCard, expectWording } from "../support/wording";
import { adminDb, createVendor, eventually, messagesOf, outboundOf, postWebhook } from "../support/emulators";

const db = adminDb();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(() => wasender.close());

const ROBE = {
  keyword: "ROBE1",
  name: "Robe wax",
  price: 15000,
  currency: "XOF",
  stock: 4,
  active: true,
  imageUrl: "https://example.com/robe1.jpg",
};

async function outboundDocs(vendorId: string, customer: string) {
  const snap = await outboundOf(db, vendorId, customer).get();
  return snap.docs.map((doc) => ({ id: doc.id, ...doc.data() }) as Record<string, any>);
}

describe("replies through the vendor's own Wasender session", () => {
  it("answers a greeting with the vendor's welcome, to the sender, with the vendor's key, and records msgId", async () => {
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      config: { welcomeMessage: "Bienvenue chez nous !" },
    });
    const customer = "+221770000001";
    const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "Bonjour" }));
    expect(res.status).toBe(200);
    const [send] = await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey });
    expect(send).toMatchObject({ to: customer, text: "Bienvenue chez nous !" });
    const [outbound] = await eventually(
      async () => {
        const docs = await outboundDocs(vendor.vendorId, customer);
        return docs.length === 1 && docs[0]!.status === "sent" ? docs : undefined;
      },
      10_000,
      "the reply marked sent",
    );
    expect(outbound).toMatchObject({ to: customer, wasenderMsgId: send!.msgId, wabaInstanceId: vendor.wabaInstanceId });
  });

  it("sends a product card as an image with its caption when the text is an active product's keyword", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, products: { robe1: ROBE } });
    await postWebhook(vendor, messagesReceived({ phone: "221770000002", text: "robe1" }));
    const [send] = await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey });
    expect(send!.imageUrl).toBe(ROBE.imageUrl);
    expectProductCard(send!.text, { name: "Robe wax", price: "15 000 FCFA", stock: 4, keyword: "ROBE1" });
  });

  it("replies once to the same event delivered ten times concurrently: one document, one reply", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const customer = "+221770000003";
    const body = messagesReceived({ id: waMessageId(), phone: customer.slice(1), text: "aide" });
    const responses = await Promise.all(Array.from({ length: 10 }, () => postWebhook(vendor, body)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const outcomes = responses.map((r) => r.json.results[0].outcome).sort();
    expect(outcomes).toEqual(["duplicate", ...Array(8).fill("duplicate"), "stored"].sort());
    const mine = (s: { apiKey: string; to: string }) => s.apiKey === vendor.apiKey && s.to === customer;
    await wasender.waitForSends(1, { predicate: mine });
    // The buyer's next message is answered after the first one's: a wrongful second reply to the first
    // would show up before that answer.
    const later = messagesReceived({ id: waMessageId(), phone: customer.slice(1), text: "menu" });
    expect((await postWebhook(vendor, later)).json.results[0].outcome).toBe("stored");
    const [help, menu] = await wasender.waitForSends(2, { predicate: mine });
    expect(menu!.text).not.toBe(help!.text);
    expect(wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(2);
    const inbound = await messagesOf(db, vendor.vendorId, customer).where("direction", "==", "inbound").get();
    expect(inbound.size).toBe(2);
  });

  it("serves two vendors at once, each reply through its own key and base URL", async () => {
    const other = await startFakeWasender();
    try {
      const a = await createVendor(db, { apiUrl: wasender.apiUrl });
      const b = await createVendor(db, { apiUrl: other.apiUrl, config: { language: "en" } });
      await Promise.all([
        postWebhook(a, messagesReceived({ phone: "221770000004", text: "Salut" })),
        postWebhook(b, messagesReceived({ phone: "221770000005", text: "Hello" })),
      ]);
      const [sendA] = await wasender.waitForSends(1, { predicate: (s) => s.apiKey === a.apiKey });
      const [sendB] = await other.waitForSends(1, { predicate: (s) => s.apiKey === b.apiKey });
      expect(sendA!.to).toBe("+221770000004");
      expect(sendB!.to).toBe("+221770000005");
      expectWording(sendB!.text, "welcome", { shop: `Shop ${b.vendorId}` }, "en");
      expect(wasender.sends.some((s) => s.apiKey === b.apiKey)).toBe(false);
      expect(other.sends.some((s) => s.apiKey === a.apiKey)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it("uses the WASENDER_API_URL param when the instance sets no wasenderApiUrl", async () => {
    const global = await startFakeWasender({ port: 3900 });
    try {
      const vendor = await createVendor(db);
      await postWebhook(vendor, messagesReceived({ phone: "221770000006", text: "bonsoir" }));
      const [send] = await global.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey });
      expect(send!.to).toBe("+221770000006");
    } finally {
      await global.close();
    }
  });

  it("marks a reply failed with Wasender's reason when the session key is refused", async () => {
    const strict = await startFakeWasender({ apiKeys: ["only-this-key"] });
    try {
      const vendor = await createVendor(db, { apiUrl: strict.apiUrl });
      const customer = "+221770000007";
      await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }));
      const failed = await eventually(
        async () => {
          const docs = await outboundDocs(vendor.vendorId, customer);
          return docs[0]?.status === "failed" ? docs[0] : undefined;
        },
        10_000,
        "the reply marked failed",
      );
      expect(failed.error).toMatchObject({ code: "unauthorized", httpStatus: 401, retryable: false });
      expect(JSON.stringify(failed)).not.toContain(vendor.apiKey.slice(4));
    } finally {
      await strict.close();
    }
  });

  it("stores but does not answer when the vendor turned auto-reply off", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, config: { autoReplyEnabled: false } });
    const customer = "+221770000008";
    const id = waMessageId();
    await postWebhook(vendor, messagesReceived({ id, phone: customer.slice(1) }));
    const inbound = await eventually(
      async () => {
        const doc = await messagesOf(db, vendor.vendorId, customer).doc(`in_${id}`).get();
        return doc.get("processing.state") === "skipped" ? doc : undefined;
      },
      10_000,
      "the message marked skipped",
    );
    expect(inbound.get("processing.reason")).toContain("autoReplyEnabled");
    expect(wasender.sends.some((s) => s.apiKey === vendor.apiKey)).toBe(false);
  });
});
