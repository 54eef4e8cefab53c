import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { adminDb, createVendor, messagesOf, postWebhook, type TestVendor } from "../support/emulators";

/**
 * The design document's "Test Webhook Local", followed literally: its body, its X-Wasender-Signature
 * header, through Hosting (the document's localhost:9002 is Hosting's 127.0.0.1:5000 here).
 */

const db = adminDb();
let wasender: FakeWasender;
let vendor: TestVendor;

beforeAll(async () => {
  wasender = await startFakeWasender();
  vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
});
afterAll(() => wasender.close());

function designBody(from: string, id = `msg_${randomUUID().slice(0, 8)}`) {
  return { event: "message", data: { from, message: "Test message", id } };
}

describe("the design document's test event", () => {
  it("refuses the document's own number (one digit short for Senegal) with a 400 naming data.from, and stores nothing", async () => {
    const body = designBody("22170111111", "msg_123");
    const res = await postWebhook(vendor, body, { signing: { scheme: "hmac" } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ ok: false, error: { code: "invalid_message" } });
    expect(res.json.error.message).toContain("data.from");
    expect(res.json.error.problems.join("\n")).toContain("data.from");
    expect((await messagesOf(db, vendor.vendorId, "+22170111111").get()).empty).toBe(true);
  });

  it("stores { from, message, id } like any message event and replies through the vendor's number", async () => {
    const id = `msg_${randomUUID().slice(0, 8)}`;
    const res = await postWebhook(vendor, designBody("221701111111", id), { signing: { scheme: "hmac" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, event: "message", results: [{ outcome: "stored", waMessageId: id }] });
    const doc = await messagesOf(db, vendor.vendorId, "+221701111111").doc(`in_${id}`).get();
    expect(doc.data()).toMatchObject({
      direction: "inbound",
      from: "+221701111111",
      text: "Test message",
      event: "message",
      wabaInstanceId: vendor.wabaInstanceId,
    });
    const [reply] = await wasender.waitForSends(1, {
      predicate: (send) => send.apiKey === vendor.apiKey && send.to === "+221701111111",
    });
    expect(reply!.text).toBeTruthy();

    // The same authentication as every event: a wrong HMAC is refused and writes nothing.
    const refusedId = `msg_${randomUUID().slice(0, 8)}`;
    const refused = await postWebhook(vendor, designBody("221701111111", refusedId), {
      signing: { scheme: "hmac", secret: "signature_here" },
    });
    expect(refused.status).toBe(401);
    expect((await messagesOf(db, vendor.vendorId, "+221701111111").doc(`in_${refusedId}`).get()).exists).toBe(false);
  });

  it("answers a redelivery of the same id as a duplicate", async () => {
    const body = designBody("221701111112");
    expect((await postWebhook(vendor, body)).json.results[0].outcome).toBe("stored");
    expect((await postWebhook(vendor, body)).json.results[0].outcome).toBe("duplicate");
  });
});
