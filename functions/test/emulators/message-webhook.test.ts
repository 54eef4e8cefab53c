import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived, messagesUpsert, personalReceived, waMessageId } from "../support/payloads";
import { adminDb, createVendor, messagesOf, postWebhook, type TestVendor } from "../support/emulators";

const db = adminDb();
const CUSTOMER = "+221771234567";
let wasender: FakeWasender;
let vendor: TestVendor;

beforeAll(async () => {
  wasender = await startFakeWasender();
  vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
});
afterAll(() => wasender.close());

function expectNoStackTrace(text: string) {
  expect(text).not.toMatch(/\bat .+:\d+:\d+/);
  expect(text).not.toMatch(/node_modules|\.ts:|\.js:/);
}

async function inboundDoc(vendorId: string, id: string, customer = CUSTOMER) {
  return messagesOf(db, vendorId, customer).doc(`in_${id}`).get();
}

describe("authentication", () => {
  it("accepts Wasender's X-Webhook-Signature (the secret itself), through Hosting", async () => {
    const id = waMessageId();
    const res = await postWebhook(vendor, messagesReceived({ id }), { signing: { scheme: "secret" } });
    expect(res.status).toBe(200);
    expect(res.json.results).toEqual([{ outcome: "stored", waMessageId: id }]);
    const doc = await inboundDoc(vendor.vendorId, id);
    expect(doc.data()).toMatchObject({
      direction: "inbound",
      vendorId: vendor.vendorId,
      wabaInstanceId: vendor.wabaInstanceId,
      from: CUSTOMER,
      text: "Bonjour",
      customerName: "Awa",
      waMessageId: id,
    });
  });

  it("accepts the design document's X-Wasender-Signature (HMAC of the raw bytes), at the function's own URL", async () => {
    const id = waMessageId();
    // Unusual spacing: an HMAC over re-serialized JSON would not match these bytes.
    const raw = JSON.stringify(messagesReceived({ id }), null, 3);
    const res = await postWebhook(vendor, undefined, { raw, via: "function", signing: { scheme: "hmac" } });
    expect(res.status).toBe(200);
    expect((await inboundDoc(vendor.vendorId, id)).exists).toBe(true);
  });

  it.each([
    ["missing", { scheme: "none" } as const, "missing_signature"],
    ["a wrong secret", { scheme: "secret", secret: "not-the-secret" } as const, "invalid_signature"],
    ["a wrong HMAC", { scheme: "hmac", secret: "not-the-secret" } as const, "invalid_signature"],
  ])("answers 401 and writes nothing when the signature is %s", async (_, signing, code) => {
    const id = waMessageId();
    const res = await postWebhook(vendor, messagesReceived({ id }), { signing });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe(code);
    expect((await inboundDoc(vendor.vendorId, id)).exists).toBe(false);
  });

  it("lets an instance pin one scheme: an HMAC-only instance refuses the plain secret", async () => {
    const pinned = await createVendor(db, { apiUrl: wasender.apiUrl, instance: { webhookSignatureScheme: "hmac" } });
    const refused = await postWebhook(pinned, messagesReceived(), { signing: { scheme: "secret" } });
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe("missing_signature");
    const accepted = await postWebhook(pinned, messagesReceived(), { signing: { scheme: "hmac" } });
    expect(accepted.status).toBe(200);
  });

  it("finds which of a vendor's numbers was written to by the secret that signed the request", async () => {
    const second = { id: `${vendor.wabaInstanceId}_b`, secret: `${vendor.secret}-b` };
    await db
      .collection("waba_instances")
      .doc(second.id)
      .set({
        vendorId: vendor.vendorId,
        phoneNumber: "+221709999999",
        provider: "wasender",
        wasenderApiKey: `${vendor.apiKey}-b`,
        wasenderWebhookSecret: second.secret,
        wasenderApiUrl: wasender.apiUrl,
      });
    const id = waMessageId();
    const res = await postWebhook(
      { vendorId: vendor.vendorId, secret: second.secret },
      messagesReceived({ id, text: "xyz" }),
    );
    expect(res.status).toBe(200);
    expect((await inboundDoc(vendor.vendorId, id)).get("wabaInstanceId")).toBe(second.id);
    await db.collection("waba_instances").doc(second.id).delete();
  });
});

describe("message shapes", () => {
  it("stores messages.received (one object)", async () => {
    const id = waMessageId();
    const res = await postWebhook(vendor, messagesReceived({ id, text: "salut" }));
    expect(res.json.results).toEqual([{ outcome: "stored", waMessageId: id }]);
    expect((await inboundDoc(vendor.vendorId, id)).get("text")).toBe("salut");
  });

  it("stores each message of messages.upsert (an array) and skips the vendor's own", async () => {
    const [a, b, own] = [waMessageId(), waMessageId(), waMessageId()];
    const res = await postWebhook(
      vendor,
      messagesUpsert({ id: a, text: "un" }, { id: b, text: "deux", phone: "221781112233" }, { id: own, fromMe: true }),
    );
    expect(res.status).toBe(200);
    expect(res.json.results).toEqual([
      { outcome: "stored", waMessageId: a },
      { outcome: "stored", waMessageId: b },
      { outcome: "ignored", waMessageId: own, reason: expect.stringContaining("fromMe") },
    ]);
    expect((await inboundDoc(vendor.vendorId, a)).get("text")).toBe("un");
    expect((await inboundDoc(vendor.vendorId, b, "+221781112233")).get("text")).toBe("deux");
  });

  it("stores flat messages-personal.received", async () => {
    const id = waMessageId();
    const res = await postWebhook(vendor, personalReceived({ id, text: "hello" }));
    expect(res.json.results).toEqual([{ outcome: "stored", waMessageId: id }]);
  });

  it("takes a LID-addressed sender's phone from senderPn, never from the LID", async () => {
    const id = waMessageId();
    const res = await postWebhook(vendor, messagesReceived({ id, lid: true, phone: "221765554433" }));
    expect(res.json.results[0].outcome).toBe("stored");
    const doc = await inboundDoc(vendor.vendorId, id, "+221765554433");
    expect(doc.get("from")).toBe("+221765554433");
  });

  it("ignores a fromMe echo, says so, and stores nothing", async () => {
    const id = waMessageId();
    const res = await postWebhook(vendor, messagesReceived({ id, fromMe: true }));
    expect(res.status).toBe(200);
    expect(res.json.results).toEqual([
      { outcome: "ignored", waMessageId: id, reason: expect.stringContaining("fromMe") },
    ]);
    expect((await inboundDoc(vendor.vendorId, id)).exists).toBe(false);
  });

  it("answers 200 with `ignored` for an event this URL does not handle", async () => {
    const res = await postWebhook(vendor, { event: "chats.update", data: { id: "x" } });
    expect(res.status).toBe(200);
    expect(res.json.ignored).toContain("chats.update");
  });

  it("stores a redelivered event once and answers 200 both times", async () => {
    const id = waMessageId();
    const first = await postWebhook(vendor, messagesReceived({ id }));
    const again = await postWebhook(vendor, messagesUpsert({ id }));
    expect(first.json.results[0].outcome).toBe("stored");
    expect(again.status).toBe(200);
    expect(again.json.results[0].outcome).toBe("duplicate");
  });
});

describe("errors", () => {
  it("404 for an unknown vendor", async () => {
    const res = await postWebhook({ vendorId: "vendor_does_not_exist", secret: "x" }, messagesReceived());
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("unknown_vendor");
  });

  it("404 for a URL with no vendor id", async () => {
    const res = await postWebhook(vendor, messagesReceived(), { path: "/api/webhooks/wasender/" });
    expect(res.status).toBe(404);
  });

  it("409 for a vendor whose instance is unusable, naming the problem but no secret", async () => {
    const broken = await createVendor(db, { instance: { wasenderWebhookSecret: null, wasenderApiKey: "" } });
    const res = await postWebhook(broken, messagesReceived());
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("no_usable_instance");
    expect(res.json.error.problems.join("\n")).toContain("wasenderWebhookSecret");
    expect(res.text).not.toContain(broken.apiKey);
  });

  it("400 for a body that is not JSON, without a stack trace", async () => {
    const res = await postWebhook(vendor, undefined, { raw: "hello", headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_json");
    expectNoStackTrace(res.text);
  });

  it("400 for malformed JSON sent as application/json, without a stack trace", async () => {
    const res = await postWebhook(vendor, undefined, { raw: '{"event": "messages.received", ' });
    expect(res.status).toBe(400);
    expectNoStackTrace(res.text);
  });

  it("400 for JSON that is not a Wasender event", async () => {
    const res = await postWebhook(vendor, { hello: "world" });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_event");
  });

  it("400 for a message event with no readable message", async () => {
    const res = await postWebhook(vendor, { event: "messages.received", data: { messages: { nothing: true } } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_message");
  });

  it("413 for a body over 1 MiB, with nothing written", async () => {
    const id = waMessageId();
    const res = await postWebhook(vendor, messagesReceived({ id, text: "x".repeat(1024 * 1024 + 10) }));
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
    expect((await inboundDoc(vendor.vendorId, id)).exists).toBe(false);
  });

  it("405 for another method, with Allow: POST", async () => {
    const res = await postWebhook(vendor, undefined, { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(res.json.error.code).toBe("method_not_allowed");
  });
});
