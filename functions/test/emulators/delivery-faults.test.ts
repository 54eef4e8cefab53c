import { Timestamp } from "firebase-admin/firestore";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { greet, outbound, seedOutbound, settled } from "../support/delivery";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  FUNCTIONS_URL,
  idTokenWithClaims,
  messagesOf,
  postWebhook,
  sleep,
  type TestVendor,
} from "../support/emulators";
import { wordingKeyOf } from "../support/wording";

// Every fault of the README's retry table, through the real pipeline: the webhook stores, the trigger
// decides and enqueues, the Cloud Tasks emulator runs the send attempts against a fake Wasender that
// fails on command. The end state is checked each time: the reply sent exactly once or failed with its
// reason, nothing left sending.

const db = adminDb();
let wasender: FakeWasender;
let adminToken: string;

beforeAll(async () => {
  wasender = await startFakeWasender();
  adminToken = await idTokenWithClaims({ admin: true });
});
afterEach(() => wasender.clearFaults());
afterAll(() => wasender.close());

const sendsOf = (vendor: TestVendor, to?: string) =>
  wasender.sends.filter((s) => s.apiKey === vendor.apiKey && (!to || s.to === to));
const sendRequestsOf = (vendor: TestVendor) =>
  wasender.requests.filter((r) => r.apiKey === vendor.apiKey && r.path === "/api/send-message");

/** The figures of one fault run, for the closing note: attempts, and the wait from the first refused request to the one accepted. */
function report(label: string, vendor: TestVendor, reply: Record<string, any>) {
  const requests = sendRequestsOf(vendor);
  const waited = requests.length > 1 ? requests.at(-1)!.at - requests[0]!.at : 0;
  console.log(
    `delivery: ${label}: ${reply.status} after ${reply.delivery.attempts} attempt(s), ${waited} ms from the first request to the last, sends ${sendsOf(vendor).length}${reply.possibleDuplicate ? ", possibleDuplicate" : ""}`,
  );
}

/**
 * Delivers a send attempt task to its function as Cloud Tasks does (an HTTP request with the task), again
 * while the run answers 503 ("come back later": another run holds the message), and returns the
 * answer's status once the run is done.
 */
function deliverAttempt(task: Record<string, unknown>): Promise<number> {
  return eventually(
    async () => {
      const res = await fetch(`${FUNCTIONS_URL}/outboundAttempt`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: task }),
      });
      await res.text();
      return res.status === 503 ? undefined : res.status;
    },
    30_000,
    "the attempt run done",
  );
}

async function sweep() {
  const res = await adminCall("/jobs/sweep", { token: adminToken });
  expect(res.status).toBe(200);
  return res.json;
}

describe("delivery through Wasender faults", () => {
  it("500 once: retried, sent once on the second attempt", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    wasender.injectFault({ status: 500, apiKey: vendor.apiKey, path: "/api/send-message" });
    const customer = "+221772000001";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "sent", provider: "wasender" });
    expect(reply!.delivery).toMatchObject({ state: "sent", attempts: 2 });
    expect(reply!.delivery.history.map((h: any) => h.event)).toEqual(["queued", "sending", "retry", "sending", "sent"]);
    expect(reply!.possibleDuplicate).toBeUndefined();
    expect(sendsOf(vendor)).toHaveLength(1);
    expect(sendRequestsOf(vendor)).toHaveLength(2);
    report("500 once", vendor, reply!);
  }, 60_000);

  it("500 three times: sent once on the fourth attempt, with growing waits", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    wasender.injectFault({ status: 500, apiKey: vendor.apiKey, path: "/api/send-message", times: 3 });
    const customer = "+221772000002";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer, 1, 60_000);
    expect(reply!.delivery).toMatchObject({ state: "sent", attempts: 4 });
    expect(sendsOf(vendor)).toHaveLength(1);
    expect(sendRequestsOf(vendor)).toHaveLength(4);
    report("500 three times", vendor, reply!);
  }, 90_000);

  it("429 with retry_after: the next attempt comes no earlier than Wasender asked", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    wasender.injectFault({
      status: 429,
      apiKey: vendor.apiKey,
      path: "/api/send-message",
      body: { message: "Too many", retry_after: 3 },
    });
    const customer = "+221772000003";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply!.delivery).toMatchObject({ state: "sent", attempts: 2 });
    const [refused, accepted] = sendRequestsOf(vendor);
    expect(accepted!.at - refused!.at).toBeGreaterThanOrEqual(3_000);
    expect(sendsOf(vendor)).toHaveLength(1);
    report("429 retry_after 3", vendor, reply!);
  }, 60_000);

  it("a timeout (no answer within the number's Wasender timeout): retried, sent, marked possibleDuplicate", async () => {
    // The number's timeout shortened from 10 s to 3 s, so the test does not wait out production's.
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, instance: { wasenderTimeoutSeconds: 3 } });
    wasender.injectFault({ hang: true, delayMs: 8_000, apiKey: vendor.apiKey, path: "/api/send-message" });
    const customer = "+221772000004";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer, 1, 50_000);
    expect(reply).toMatchObject({ status: "sent", possibleDuplicate: true });
    expect(reply!.delivery.attempts).toBe(2);
    expect(sendsOf(vendor)).toHaveLength(1);
    report("timeout", vendor, reply!);
  }, 60_000);

  it("a connection reset mid-request: retried, sent, marked possibleDuplicate", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    wasender.injectFault({ drop: true, apiKey: vendor.apiKey, path: "/api/send-message" });
    const customer = "+221772000005";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "sent", possibleDuplicate: true });
    expect(reply!.delivery.history.some((h: any) => h.detail?.startsWith("connection_lost"))).toBe(true);
    expect(sendsOf(vendor)).toHaveLength(1);
    report("connection reset", vendor, reply!);
  }, 60_000);

  it("connection refused (Wasender down, then back): retried until it answers, not marked as a duplicate", async () => {
    const probe = await startFakeWasender();
    const port = probe.port;
    await probe.close();
    const vendor = await createVendor(db, { apiUrl: `http://127.0.0.1:${port}/api` });
    const customer = "+221772000006";
    await greet(vendor, customer);
    await eventually(
      async () => ((await outbound(vendor.vendorId, customer))[0]?.delivery?.state === "retrying" ? true : undefined),
      15_000,
      "a retry planned",
    );
    const back = await startFakeWasender({ port });
    try {
      const [reply] = await settled(vendor.vendorId, customer, 1, 60_000);
      expect(reply!.status).toBe("sent");
      expect(reply!.possibleDuplicate).toBeUndefined();
      expect(reply!.delivery.history.some((h: any) => h.detail?.startsWith("unreachable"))).toBe(true);
      expect(back.sends).toHaveLength(1);
      console.log(`delivery: connection refused: sent after ${reply!.delivery.attempts} attempt(s), sends 1`);
    } finally {
      await back.close();
    }
  }, 90_000);

  it("Wasender down past the vendor's deadline: failed with the last reason, and an alert for the operator", async () => {
    // 0.1 minute = 6 s instead of the default day.
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, config: { deliveryDeadlineMinutes: 0.1 } });
    wasender.injectFault({ status: 503, apiKey: vendor.apiKey, path: "/api/send-message", times: 1_000 });
    const customer = "+221772000007";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer, 1, 45_000);
    expect(reply!.status).toBe("failed");
    expect(reply!.error.message).toMatch(/^delivery deadline passed/);
    expect(reply!.error.message).toContain("Wasender failed");
    expect(sendsOf(vendor)).toHaveLength(0);
    const alerts = await db.collection("vendors").doc(vendor.vendorId).collection("alerts").get();
    const alert = alerts.docs.find((doc) => doc.get("kind") === "delivery_failed");
    expect(alert?.get("subject")).toBe(`vendors/${vendor.vendorId}/conversations/${customer}/outbound/${reply!.id}`);
    expect(alert?.get("message")).toMatch(/^delivery deadline passed/);
    report("down past a 6 s deadline", vendor, reply!);
  }, 60_000);

  it("400 with a field error (bad number): failed at once with Wasender's reason", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    wasender.injectFault({
      status: 422,
      apiKey: vendor.apiKey,
      path: "/api/send-message",
      body: {
        success: false,
        message: "The given data was invalid.",
        errors: { to: ["The to field must be a valid phone number."] },
      },
    });
    const customer = "+221772000008";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "failed", error: { code: "rejected", httpStatus: 422 } });
    expect(reply!.error.message).toContain("to: The to field must be a valid phone number.");
    expect(reply!.delivery.attempts).toBe(1);
    expect(sendRequestsOf(vendor)).toHaveLength(1);
  }, 30_000);

  it("401: failed at once, and the number is marked for the operator", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    wasender.injectFault({ status: 401, apiKey: vendor.apiKey, body: { success: false, message: "Unauthenticated." } });
    const customer = "+221772000009";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "failed", error: { code: "unauthorized" } });
    // On the number's runtime document, not on the instance an operator edits.
    const runtime = await eventually(
      async () => {
        const snap = await db.collection("waba_runtime").doc(vendor.wabaInstanceId).get();
        return snap.get("deliveryProblem") ? snap : undefined;
      },
      10_000,
      "the number marked",
    );
    expect(runtime.get("deliveryProblem")).toMatchObject({
      code: "unauthorized",
      message: expect.stringContaining("Unauthenticated."),
    });
    const alert = await db
      .collection("vendors")
      .doc(vendor.vendorId)
      .collection("alerts")
      .doc(`instance_${vendor.wabaInstanceId}_unauthorized`)
      .get();
    expect(alert.get("kind")).toBe("instance_refused");
  }, 30_000);

  it("a number marked refused is cleared by the next send that goes through", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const runtime = db.collection("waba_runtime").doc(vendor.wabaInstanceId);
    await runtime.set({ deliveryProblem: { code: "unauthorized", message: "Unauthenticated." } }, { merge: true });
    const customer = "+221772000012";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "sent" });
    await eventually(
      async () => ((await runtime.get()).get("deliveryProblem") === undefined ? true : undefined),
      10_000,
      "the mark cleared",
    );
  }, 30_000);

  it("a retrying reply holds back its own conversation only, never another conversation of the same number", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const slow = "+221772000010";
    const other = "+221772000011";
    wasender.injectFault({ status: 503, apiKey: vendor.apiKey, to: slow, times: 2 });
    await greet(vendor, slow, "Bonjour");
    await eventually(
      async () => ((await outbound(vendor.vendorId, slow))[0]?.delivery?.state === "retrying" ? true : undefined),
      15_000,
      "a retry planned",
    );
    await greet(vendor, slow, "aide");
    await greet(vendor, other, "Bonjour");
    const [otherSend] = await wasender.waitForSends(1, {
      predicate: (s) => s.apiKey === vendor.apiKey && s.to === other,
    });
    const replies = await settled(vendor.vendorId, slow, 2, 60_000);
    expect(replies.every((r) => r.status === "sent")).toBe(true);
    const slowSends = sendsOf(vendor, slow);
    expect(slowSends).toHaveLength(2);
    // The other conversation did not wait for the retries; the slow one kept its order.
    expect(otherSend!.at).toBeLessThan(slowSends[0]!.at);
    const byId = Object.fromEntries(replies.map((r) => [r.id, r]));
    const first = replies.find((r) => r.delivery.attempts === 3)!;
    expect(slowSends[0]!.msgId).toBe(first.wasenderMsgId);
    expect(Object.keys(byId)).toHaveLength(2);
  }, 90_000);
});

describe("self-healing", () => {
  it("re-drives a send whose sender died between claim and send (expired lease): sent once, marked possibleDuplicate", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const customer = "+221772000020";
    const past = Timestamp.fromMillis(Date.now() - 5 * 60_000);
    await seedOutbound(vendor, customer, "out_DEAD_0", {
      text: "réponse restée en route",
      status: "sending",
      createdAt: past,
      delivery: {
        state: "sending",
        generation: 1,
        attempts: 1,
        deadlineAt: Timestamp.fromMillis(Date.now() + 3600_000),
        leaseExpiresAt: Timestamp.fromMillis(Date.now() - 60_000),
        changedAt: past,
        provider: "wasender",
        history: [{ at: past, event: "sending" }],
      },
    });
    const report = await sweep();
    expect(report.conversations).toBeGreaterThanOrEqual(1);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "sent", possibleDuplicate: true });
    expect(reply!.delivery.attempts).toBe(2);
    await sweep();
    // A sweep re-drives a conversation's outbox head, and a later reply waits behind that head until it
    // ends: a second send by this sweep would come before the answer to a later message.
    await greet(vendor, customer, "aide");
    const [first, later] = await wasender.waitForSends(2, { predicate: (s) => s.apiKey === vendor.apiKey });
    expect(first!.text).toBe("réponse restée en route");
    expect(wordingKeyOf(later!.text!)).toBe("help");
    expect(sendsOf(vendor)).toHaveLength(2);
  }, 60_000);

  it("fails a reply that waited for its disconnected number past the deadline, though the number never comes back", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, instance: { status: "disconnected" } });
    const customer = "+221772000022";
    const past = Timestamp.fromMillis(Date.now() - 5 * 60_000);
    await seedOutbound(vendor, customer, "out_LATE_0", {
      text: "trop tard",
      status: "queued",
      createdAt: past,
      delivery: {
        state: "waiting",
        generation: 1,
        attempts: 0,
        deadlineAt: Timestamp.fromMillis(Date.now() - 60_000),
        changedAt: past,
        waitingReason: `the number ${vendor.phoneNumber} is disconnected from Wasender`,
        history: [],
      },
    });
    await sweep();
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "failed", error: { code: "deadline" } });
    expect(reply!.error.message).toMatch(/^delivery deadline passed before it could be sent/);
    expect(sendsOf(vendor)).toHaveLength(0);
  }, 60_000);

  it("a send task delivered twice sends once", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const customer = "+221772000021";
    const now = Timestamp.now();
    await seedOutbound(vendor, customer, "out_TWICE_0", {
      text: "une seule fois",
      status: "queued",
      createdAt: now,
      delivery: {
        state: "queued",
        generation: 7,
        attempts: 0,
        deadlineAt: Timestamp.fromMillis(Date.now() + 3600_000),
        changedAt: now,
        history: [],
      },
    });
    const task = { vendorId: vendor.vendorId, customer, messageId: "out_TWICE_0", generation: 7 };
    // Two deliveries of the same attempt (Cloud Tasks delivers at least once), at the same moment, each
    // delivered again while it answers "come back later", as the queue does, until it answers done. A
    // run's sends precede its answer, so once both answered, every send they made is at the fake.
    const answers = await Promise.all([deliverAttempt(task), deliverAttempt(task)]);
    expect(answers).toEqual([204, 204]);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply!.status).toBe("sent");
    expect(reply!.delivery.attempts).toBe(1);
    expect(sendsOf(vendor)).toHaveLength(1);
  }, 60_000);

  it("decides an inbound message whose trigger never ran", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const customer = "+221772000022";
    const ref = messagesOf(db, vendor.vendorId, customer).doc("in_LOST1");
    // Created without a direction (the trigger ignores it), then completed: as if its trigger had died.
    await ref.set({ placeholder: true });
    await sleep(500);
    await ref.set({
      direction: "inbound",
      vendorId: vendor.vendorId,
      wabaInstanceId: vendor.wabaInstanceId,
      waMessageId: "LOST1",
      from: customer,
      text: "Bonjour",
      kind: "text",
      event: "messages.received",
      processing: { state: "pending" },
      receivedAt: Timestamp.fromMillis(Date.now() - 3 * 60_000),
    });
    const report = await sweep();
    expect(report.inbound).toBeGreaterThanOrEqual(1);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply!.status).toBe("sent");
    expect((await ref.get()).get("processing.state")).toBe("done");
    await sweep();
    // The sweep decides in its own run, so a second answer would be on the outbox before a later message
    // is, and would be sent before that message's answer.
    await greet(vendor, customer, "aide");
    const [first, later] = await wasender.waitForSends(2, { predicate: (s) => s.apiKey === vendor.apiKey });
    expect(first!.text).toBe(reply!.text);
    expect(wordingKeyOf(later!.text!)).toBe("help");
    expect(sendsOf(vendor)).toHaveLength(2);
  }, 60_000);

  it("retries a failed WhatsApp id lookup, so the reply's statuses can land", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    wasender.injectFault({ status: 500, apiKey: vendor.apiKey, path: "/api/messages/" });
    const customer = "+221772000023";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    await eventually(
      async () => ((await outbound(vendor.vendorId, customer))[0]?.linkPending === true ? true : undefined),
      10_000,
      "the link left pending",
    );
    expect(reply!.waMessageId).toBeUndefined();
    await sweep();
    const [linked] = await outbound(vendor.vendorId, customer);
    const [send] = sendsOf(vendor);
    expect(linked!.waMessageId).toBe(send!.waMessageId);
    expect(linked!.linkPending).toBeUndefined();
    // Its statuses find it now: a "read" status lands on it.
    const read = {
      event: "messages.update",
      timestamp: Date.now(),
      data: { key: { id: send!.waMessageId, fromMe: true, remoteJid: "x@s.whatsapp.net" }, update: { status: 4 } },
    };
    const res = await postWebhook(vendor, read, { path: `/api/webhooks/wasender/${vendor.vendorId}/status` });
    expect(res.status).toBe(200);
    const [landed] = await outbound(vendor.vendorId, customer);
    expect(landed!.id).toBe(reply!.id);
    expect(landed!.deliveryStatus).toBe("read");
  }, 60_000);

  it("lands a status kept aside while its message got its WhatsApp id (the race's safety net), and only such a one", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    const customer = "+221772000024";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    const waMessageId = await eventually(
      async () => ((await outbound(vendor.vendorId, customer))[0]?.waMessageId as string | undefined) ?? undefined,
      10_000,
      "the reply linked",
    );
    // What the race leaves: the status kept aside a minute and a half ago, after the completion had
    // looked for one; and a status of a message this backend never sent (typed on the phone).
    const kept = db.collection("vendors").doc(vendor.vendorId).collection("pending_statuses");
    const updatedAt = Timestamp.fromMillis(Date.now() - 90_000);
    await kept.doc(waMessageId).set({ waMessageId, status: "read", updatedAt });
    await kept.doc("3EB0TYPEDONPHONE").set({ waMessageId: "3EB0TYPEDONPHONE", status: "delivered", updatedAt });
    const report = (await sweep()) as { statuses?: number };
    expect(report.statuses).toBeGreaterThanOrEqual(1);
    const [landed] = await outbound(vendor.vendorId, customer);
    expect(landed!.id).toBe(reply!.id);
    expect(landed!.deliveryStatus).toBe("read");
    expect((await kept.doc(waMessageId).get()).exists).toBe(false);
    expect((await kept.doc("3EB0TYPEDONPHONE").get()).exists).toBe(true);
  }, 60_000);
});
