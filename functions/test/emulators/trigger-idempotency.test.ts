import { getFirestore, Timestamp } from "firebase-admin/firestore";
import functionsTest from "firebase-functions-test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { onConversationMessageCreated as trigger } from "../../src/index";
import { createVendor, sleep } from "../support/emulators";

// A project of its own: the Functions emulator does not listen here, so only the in-process calls
// below run the trigger, and a redelivery is exactly what the test makes it.
const PROJECT = "demo-livepay-direct";
// Before the functions module loads and initializes the default app from the environment.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-direct";
  delete process.env.FIREBASE_CONFIG;
});
const db = getFirestore();
const testEnv = functionsTest({ projectId: PROJECT });

let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
  // Params reach a deployed function as environment variables; these are the ones the trigger reads.
  process.env.WASENDER_API_URL = wasender.apiUrl;
  process.env.PLATFORM_PAYMENT_LINK = "https://pay.example.test/{vendorId}/{reference}?amount={amount}";
});
afterAll(async () => {
  testEnv.cleanup();
  await wasender.close();
});

async function storedInbound(vendorId: string, customer: string, messageId: string, text: string, wabaInstanceId: string) {
  const path = `vendors/${vendorId}/conversations/${customer}/messages/${messageId}`;
  const data = {
    direction: "inbound",
    vendorId,
    wabaInstanceId,
    waMessageId: messageId.replace(/^in_/, ""),
    from: customer,
    text,
    kind: "text",
    event: "messages.received",
    processing: { state: "pending" },
    receivedAt: Timestamp.now(),
  };
  await db.doc(path).set(data);
  const snapshot = testEnv.firestore.makeDocumentSnapshot(data, path);
  return { path, event: { data: snapshot, params: { vendorId, customer, messageId } } };
}

describe("the reply trigger delivered more than once", () => {
  it("sends each reply once when the same event runs ten times concurrently", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const { event } = await storedInbound(vendor.vendorId, "+221771110001", "in_DUP1", "aide", vendor.wabaInstanceId);
    const wrapped = testEnv.wrap(trigger);
    await Promise.all(Array.from({ length: 10 }, () => wrapped(event as any)));
    await sleep(500);
    const sends = wasender.sends.filter((s) => s.apiKey === vendor.apiKey);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.to).toBe("+221771110001");
  });

  it("does not reply again when the event is redelivered after the reply went out", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const { event, path } = await storedInbound(vendor.vendorId, "+221771110002", "in_DUP2", "bonjour", vendor.wabaInstanceId);
    const wrapped = testEnv.wrap(trigger);
    await wrapped(event as any);
    await wrapped(event as any);
    expect(wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(1);
    const inbound = await db.doc(path).get();
    expect(inbound.get("processing.state")).toBe("done");
    expect(inbound.get("processing.replyIds")).toEqual(["out_DUP2_0"]);
  });

  it("finishes sending after a run that decided but died before sending", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const customer = "+221771110003";
    const { event } = await storedInbound(vendor.vendorId, customer, "in_DUP3", "bonjour", vendor.wabaInstanceId);
    // The first run's decision is committed (reply queued) but it never sent.
    const conv = db.collection("vendors").doc(vendor.vendorId).collection("conversations").doc(customer);
    await conv.collection("messages").doc("out_DUP3_0").set({
      direction: "outbound", vendorId: vendor.vendorId, wabaInstanceId: vendor.wabaInstanceId, to: customer,
      origin: "engine", inReplyTo: "in_DUP3", status: "queued", attempts: 0, text: "déjà décidé",
    });
    await conv.collection("messages").doc("in_DUP3").update({ processing: { state: "done", replyIds: ["out_DUP3_0"] } });
    await testEnv.wrap(trigger)(event as any);
    const sends = wasender.sends.filter((s) => s.apiKey === vendor.apiKey);
    expect(sends.map((s) => s.text)).toEqual(["déjà décidé"]);
  });

  it("never resends a reply whose sender stopped mid-send; marks it for an operator instead", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const customer = "+221771110004";
    const { event } = await storedInbound(vendor.vendorId, customer, "in_DUP4", "bonjour", vendor.wabaInstanceId);
    const conv = db.collection("vendors").doc(vendor.vendorId).collection("conversations").doc(customer);
    const reply = conv.collection("messages").doc("out_DUP4_0");
    await reply.set({
      direction: "outbound", vendorId: vendor.vendorId, wabaInstanceId: vendor.wabaInstanceId, to: customer,
      origin: "engine", inReplyTo: "in_DUP4", status: "sending", attempts: 1, text: "peut-être parti",
      leaseExpiresAt: Timestamp.fromMillis(Date.now() - 1_000),
    });
    await conv.collection("messages").doc("in_DUP4").update({ processing: { state: "done", replyIds: ["out_DUP4_0"] } });
    await testEnv.wrap(trigger)(event as any);
    expect(wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(0);
    expect((await reply.get()).get("error.code")).toBe("outcome_unknown");
  });
});
