import { Timestamp } from "firebase-admin/firestore";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeMeta, type FakeMeta } from "../../../scripts/lib/fake-meta.mjs";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { greet, seedOutbound, settled } from "../support/delivery";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  idTokenWithClaims,
  messagesOf,
  outboundOf,
  postWebhook,
  sleep,
  type TestVendor,
} from "../support/emulators";
import { availableStock } from "../../src/store/stock-shards";
import { handleMetaWebhook } from "../../src/webhooks/meta-webhook";
import { ACCEPT_MAX_AGE_MS } from "../../src/webhooks/vendor-gate";
import { functionInstance } from "../support/in-process";
import { expectProductCard, expectWording, wording } from "../support/wording";
import {
  metaBody,
  metaFields,
  metaNumber,
  metaSignature,
  metaStatus,
  metaText,
  metaValue,
  metaWamid,
  postMeta,
  verifyMeta,
  type MetaNumber,
} from "../support/meta";

// Meta as the second provider, through the real pipeline: Wasender's webhook (or Meta's) stores, the
// trigger decides, the Cloud Tasks emulator runs the attempts against a fake Wasender and a fake Meta
// that both fail on command. Every case ends with each reply sent once, by one provider, or failed
// with its reasons.

const db = adminDb();
let wasender: FakeWasender;
let meta: FakeMeta;
let adminToken: string;

beforeAll(async () => {
  [wasender, meta] = await Promise.all([startFakeWasender(), startFakeMeta()]);
  adminToken = await idTokenWithClaims({ admin: true });
});
afterEach(() => {
  wasender.clearFaults();
  meta.clearFaults();
});
afterAll(async () => {
  await wasender.close();
  await meta.close();
});

const PRODUCTS = {
  robe1: { keyword: "ROBE1", name: "Robe wax Ndeye", price: 15000, currency: "XOF", stock: 5, active: true },
};

/**
 * A Wasender vendor whose number fails over to a Cloud API number. A `sessionStatus` given is the
 * session state a `session.status` event left: on the number's runtime document, with its status copy.
 */
async function failoverVendor(
  { sessionStatus, ...instance }: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
) {
  const number = metaNumber();
  const vendor = await createVendor(db, {
    apiUrl: wasender.apiUrl,
    instance: { failoverProvider: "meta", failoverCooldownSeconds: 4, ...metaFields(number, meta.apiUrl), ...instance },
    config,
  });
  if (sessionStatus !== undefined) {
    await db
      .collection("waba_runtime")
      .doc(vendor.wabaInstanceId)
      .set({ status: instance.status ?? "connected", sessionStatus }, { merge: true });
  }
  return { vendor, number };
}

/** A vendor whose only number is on the Cloud API (`provider: "meta"`), onboarded by documents. */
async function metaOnlyVendor(config: Record<string, unknown> = {}) {
  const number = metaNumber();
  const vendor = await createVendor(db, {
    instance: {
      provider: "meta",
      wasenderInstanceId: undefined,
      wasenderApiKey: undefined,
      wasenderWebhookSecret: undefined,
      ...metaFields(number, meta.apiUrl),
    },
    config: { wabaProvider: "meta", paymentLinkTemplate: "https://pay.wave.com/m/M_sn_awa?amount={amount}", ...config },
    products: PRODUCTS,
  });
  return { vendor, number };
}

const wasenderSendRequests = (vendor: TestVendor) =>
  wasender.requests.filter((r) => r.apiKey === vendor.apiKey && r.path === "/api/send-message");
const metaSendsOf = (number: MetaNumber, to?: string) =>
  meta.sends.filter((s) => s.phoneNumberId === number.phoneNumberId && (!to || s.to === to.replace(/^\+/, "")));

const instanceOf = async (vendor: TestVendor) =>
  (await db.collection("waba_instances").doc(vendor.wabaInstanceId).get()).data()!;
/** The number's runtime state (circuit, delivery problem): `waba_runtime`, not the instance an operator edits. */
const runtimeOf = async (vendor: TestVendor) =>
  (await db.collection("waba_runtime").doc(vendor.wabaInstanceId).get()).data() ?? {};

describe("failover to Meta", () => {
  it("Wasender 503 three times: the reply leaves once through Meta; the next go straight to Meta; after the cooldown a probe brings them back to Wasender", async () => {
    const { vendor, number } = await failoverVendor();
    wasender.injectFault({ status: 503, apiKey: vendor.apiKey, path: "/api/send-message", times: 3 });
    const customer = "+221773000001";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "sent", provider: "meta" });
    expect(wasenderSendRequests(vendor)).toHaveLength(3);
    expect(wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(0);
    const [viaMeta] = metaSendsOf(number);
    expect(metaSendsOf(number)).toHaveLength(1);
    expect(viaMeta).toMatchObject({
      to: customer.slice(1),
      phoneNumberId: number.phoneNumberId,
      token: number.accessToken,
      type: "text",
      text: reply!.text,
    });
    // The wamid Meta answered is the message's WhatsApp id at once (no lookup), linked for its statuses.
    const linked = await eventually(
      async () => (await outboundOf(db, vendor.vendorId, customer).doc(reply!.id).get()).get("waMessageId"),
      10_000,
      "the wamid linked",
    );
    expect(linked).toBe(viaMeta!.wamid);
    expect(reply!.delivery.lastErrors.wasender.code).toBe("server_error");
    const firstFailure = wasenderSendRequests(vendor)[0]!.at;
    console.log(
      `failover: first Wasender failure to the reply through Meta: ${viaMeta!.at - firstFailure} ms (3 Wasender attempts, 1 Meta send)`,
    );

    const open = await runtimeOf(vendor);
    expect(open.circuit).toMatchObject({
      state: "open",
      failures: 3,
      reason: expect.stringContaining("3 Wasender failures in a row"),
    });
    expect(open.circuit.since).toBeInstanceOf(Timestamp);

    // While open: straight to Meta, no Wasender request.
    await greet(vendor, customer, "aide");
    await settled(vendor.vendorId, customer, 2);
    expect(wasenderSendRequests(vendor)).toHaveLength(3);
    expect(metaSendsOf(number)).toHaveLength(2);

    // After the 4 s cooldown, one message probes Wasender (healthy again) and closes the circuit.
    await sleep(4_500);
    await greet(vendor, customer, "menu");
    const replies = await settled(vendor.vendorId, customer, 3);
    expect(replies[2]).toMatchObject({ status: "sent", provider: "wasender" });
    expect(wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(1);
    expect(metaSendsOf(number)).toHaveLength(2);
    expect((await runtimeOf(vendor)).circuit).toMatchObject({ state: "closed", failures: 0 });

    await greet(vendor, customer, "aide");
    const after = await settled(vendor.vendorId, customer, 4);
    expect(after[3]!.provider).toBe("wasender");
    // Every reply was sent once, by one provider.
    expect(after.every((r) => r.status === "sent")).toBe(true);
    expect(metaSendsOf(number).length + wasender.sends.filter((s) => s.apiKey === vendor.apiKey).length).toBe(4);
  }, 90_000);

  it("session need_scan: replies go through Meta at once, and the circuit says why", async () => {
    const { vendor, number } = await failoverVendor();
    const down = await postWebhook(
      vendor,
      { event: "session.status", data: { status: "need_scan", session_id: `session-${vendor.vendorId}` } },
      { path: `/api/webhooks/wasender/${vendor.vendorId}/connection` },
    );
    expect(down.status).toBe(200);
    const customer = "+221773000002";
    const started = Date.now();
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "sent", provider: "meta" });
    expect(reply!.delivery.attempts).toBe(1);
    expect(wasenderSendRequests(vendor)).toHaveLength(0);
    expect(metaSendsOf(number, customer)).toHaveLength(1);
    expect((await runtimeOf(vendor)).circuit).toMatchObject({
      state: "open",
      reason: "the Wasender session is need_scan",
    });
    console.log(
      `failover: session need_scan, POST to the reply through Meta: ${metaSendsOf(number)[0]!.at - started} ms`,
    );
  }, 60_000);

  it("a paced number: a message waiting for the session does not hold the send line, so failover replies still leave", async () => {
    const { vendor, number } = await failoverVendor({
      status: "disconnected",
      sessionStatus: "need_scan",
      sendRatePerMinute: 6,
      sendRateWindowSeconds: 6,
    });
    // A vendor-started message to a customer outside the 24-hour window, first on the line: it may not
    // go through Meta, so it waits for the session (the state its claim leaves it in).
    const outside = "+221773000027";
    const now = Timestamp.now();
    const stuck = await seedOutbound(vendor, outside, "out_OUTSIDE_0", {
      text: "Votre commande est prête",
      status: "queued",
      origin: "admin",
      delivery: {
        state: "waiting",
        generation: 2,
        attempts: 0,
        deadlineAt: Timestamp.fromMillis(Date.now() + 3600_000),
        changedAt: now,
        waitingReason:
          "the Wasender session is need_scan; no Meta failover: the customer has not written in the last 24 hours",
        history: [],
      },
    });
    // It held the number's turn when it started waiting: the line is busy with a turn nobody uses.
    await stuck.update({ pacingTurn: true });
    await db
      .collection("send_pacing")
      .doc(vendor.wabaInstanceId)
      .set({ busy: true, nextSlotAt: Timestamp.fromMillis(0) });

    const customer = "+221773000028";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer, 1, 30_000);
    expect(reply).toMatchObject({ status: "sent", provider: "meta" });
    expect(metaSendsOf(number, outside)).toHaveLength(0);
    expect((await stuck.get()).get("delivery.state")).toBe("waiting");
  }, 60_000);

  it("a burst during failover stays in order", async () => {
    const { vendor, number } = await failoverVendor({ status: "disconnected", sessionStatus: "logged_out" });
    const customer = "+221773000003";
    await greet(vendor, customer);
    await settled(vendor.vendorId, customer);
    const texts = ["un", "deux", "trois", "quatre", "cinq"];
    for (const text of texts) {
      const res = await adminCall(`/vendors/${vendor.vendorId}/messages`, {
        method: "POST",
        token: adminToken,
        body: { to: customer, text },
      });
      expect(res.status).toBe(202);
    }
    await settled(vendor.vendorId, customer, 6);
    expect(
      metaSendsOf(number, customer)
        .map((s) => s.text)
        .slice(1),
    ).toEqual(texts);
    expect(wasenderSendRequests(vendor)).toHaveLength(0);
  }, 60_000);

  it("Meta failing too: retried, then failed with both providers' reasons, visible in the health call", async () => {
    // 0.15 minute = 9 s instead of the default day.
    const { vendor, number } = await failoverVendor({}, { deliveryDeadlineMinutes: 0.15 });
    wasender.injectFault({ status: 503, apiKey: vendor.apiKey, path: "/api/send-message", times: 1_000 });
    meta.injectFault({ code: 131016, phoneNumberId: number.phoneNumberId, times: 1_000 });
    const customer = "+221773000004";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer, 1, 45_000);
    expect(reply!.status).toBe("failed");
    expect(reply!.error.message).toMatch(/^delivery deadline passed/);
    expect(reply!.error.message).toMatch(/Wasender/);
    expect(reply!.error.message).toMatch(/131016/);
    expect(Object.keys(reply!.delivery.lastErrors).sort()).toEqual(["meta", "wasender"]);
    expect(metaSendsOf(number)).toHaveLength(0);
    expect(wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(0);
    expect(meta.requests.filter((r) => r.phoneNumberId === number.phoneNumberId).length).toBeGreaterThanOrEqual(1);

    const health = await adminCall(`/vendors/${vendor.vendorId}/health`, { method: "GET", token: adminToken });
    expect(health.status).toBe(200);
    const [numberHealth] = health.json.numbers;
    expect(numberHealth).toMatchObject({
      wabaInstanceId: vendor.wabaInstanceId,
      provider: "wasender",
      failoverProvider: "meta",
      circuit: { state: expect.stringMatching(/open|probing/) },
      waiting: 0,
      failedLast24h: {
        count: 1,
        latest: [
          expect.objectContaining({
            path: `vendors/${vendor.vendorId}/conversations/${customer}/outbound/${reply!.id}`,
            reason: reply!.error.message,
          }),
        ],
      },
      lastErrors: {
        wasender: expect.objectContaining({ code: "server_error" }),
        meta: expect.objectContaining({ code: "server_error" }),
      },
    });
    expect(typeof numberHealth.circuit.since).toBe("string");
  }, 60_000);

  it("no failover configured: unchanged (retried on Wasender, never through Meta)", async () => {
    const number = metaNumber();
    // Meta fields present, but no failoverProvider: Meta is never used for sending.
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { ...metaFields(number, meta.apiUrl), failoverProvider: null },
    });
    wasender.injectFault({ status: 503, apiKey: vendor.apiKey, path: "/api/send-message", times: 3 });
    const customer = "+221773000005";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer, 1, 60_000);
    expect(reply).toMatchObject({ status: "sent", provider: "wasender" });
    expect(reply!.delivery.attempts).toBe(4);
    expect(metaSendsOf(number)).toHaveLength(0);
    expect((await runtimeOf(vendor)).circuit).toBeUndefined();
  }, 90_000);

  it("a customer who wrote to a Cloud API number the instance cannot send from: the reply fails, never leaves from the Wasender number", async () => {
    const number = metaNumber();
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { ...metaFields(number, meta.apiUrl), metaAccessToken: undefined, failoverProvider: null },
    });
    const customer = "+221773000026";
    const res = await postMeta(
      vendor.vendorId,
      number.appSecret,
      metaBody([metaText(number.phoneNumberId, customer, "Bonjour")]),
    );
    expect(res.status, res.text).toBe(200);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "failed", error: { code: "instance_unusable" } });
    expect(reply!.error.message).toContain("metaAccessToken");
    expect(wasenderSendRequests(vendor)).toHaveLength(0);
    expect(metaSendsOf(number)).toHaveLength(0);
  }, 30_000);

  it("a timeout on Wasender never fails over: the reply is retried on Wasender only, so it is never sent by both", async () => {
    // The number's Wasender timeout shortened from 10 s to 3 s, so the test does not wait out production's.
    const { vendor, number } = await failoverVendor({ failoverThreshold: 1, wasenderTimeoutSeconds: 3 });
    wasender.injectFault({ hang: true, delayMs: 8_000, apiKey: vendor.apiKey, path: "/api/send-message" });
    const customer = "+221773000006";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer, 1, 50_000);
    expect(reply).toMatchObject({ status: "sent", provider: "wasender", possibleDuplicate: true });
    expect(metaSendsOf(number)).toHaveLength(0);
  }, 60_000);
});

describe("Meta-only numbers", () => {
  it("onboarded by documents: validated, indexed by metaPhoneNumberId, a second owner of the number refused", async () => {
    const { vendor, number } = await metaOnlyVendor();
    const index = await eventually(
      async () => {
        const snap = await db.collection("meta_phone_index").doc(number.phoneNumberId).get();
        return snap.exists ? snap.data() : undefined;
      },
      10_000,
      "the Cloud API number indexed",
    );
    expect(index).toMatchObject({ vendorId: vendor.vendorId, wabaInstanceId: vendor.wabaInstanceId });
    expect((await instanceOf(vendor)).configProblems).toBeUndefined();

    const thief = await createVendor(db, {
      instance: {
        provider: "meta",
        wasenderInstanceId: undefined,
        wasenderApiKey: undefined,
        wasenderWebhookSecret: undefined,
        ...metaFields({ ...metaNumber(), phoneNumberId: number.phoneNumberId }, meta.apiUrl),
      },
    });
    const problems = await eventually(
      async () => (await instanceOf(thief)).configProblems as string[] | undefined,
      10_000,
      "the duplicate refused",
    );
    expect(problems).toEqual([
      expect.stringContaining(
        `metaPhoneNumberId: the Cloud API number ${number.phoneNumberId} is already in use by another number`,
      ),
    ]);
    expect((await instanceOf(thief)).claimConflicts).toEqual([
      expect.objectContaining({ field: "metaPhoneNumberId", ownerVendorId: vendor.vendorId }),
    ]);

    const incomplete = await createVendor(db, {
      instance: {
        provider: "meta",
        wasenderInstanceId: undefined,
        wasenderWebhookSecret: undefined,
        metaPhoneNumberId: "123456789",
      },
    });
    const missing = await eventually(
      async () => (await instanceOf(incomplete)).configProblems as string[] | undefined,
      10_000,
      "the incomplete number refused",
    );
    expect(missing).toEqual(
      expect.arrayContaining(['metaAccessToken: is required for a Meta number (provider "meta")']),
    );
    // A Wasender field left on a Meta number (a provider switch) is a notice, never a problem (design, "Switching a number's provider").
    expect(missing.filter((problem) => problem.startsWith("wasender"))).toEqual([]);
    expect((await instanceOf(incomplete)).configNotices).toContain(
      'wasenderApiKey: ignored on a meta number (provider "meta"); kept for a switch back, remove it when the switch is final',
    );
  }, 30_000);

  it("a whole AlloPermet order through Meta: keyword, quantity, OUI, payment link", async () => {
    const { vendor, number } = await metaOnlyVendor();
    const customer = "+221773000010";
    const say = async (text: string) => {
      const before = metaSendsOf(number, customer).length;
      const res = await postMeta(
        vendor.vendorId,
        number.appSecret,
        metaBody([metaText(number.phoneNumberId, customer, text)]),
      );
      expect(res.status, res.text).toBe(200);
      const sends = await meta.waitForSends(before + 1, {
        predicate: (s) => s.phoneNumberId === number.phoneNumberId && s.to === customer.slice(1),
      });
      return sends.slice(before).map((s) => s.caption ?? s.text ?? "");
    };
    expectProductCard((await say("ROBE1"))[0], {
      name: "Robe wax Ndeye",
      price: "15 000 FCFA",
      stock: 5,
      keyword: "ROBE1",
    });
    const twoRobes = wording("fr")("recapLine", { quantity: 2, name: "Robe wax Ndeye", amount: "30 000 FCFA" });
    expectWording((await say("2"))[0], "recap", { lines: twoRobes, total: "30 000 FCFA" });
    const [reserved] = await say("OUI");
    const held = { total: "30 000 FCFA", link: "https://pay.wave.com/m/M_sn_awa?amount=30000", minutes: 10 };
    expect(expectWording(reserved, "orderReserved", held).reference).toMatch(/^CMD-[A-Z0-9]{6}$/);
    expect(metaSendsOf(number).every((s) => s.token === number.accessToken)).toBe(true);
    const replies = await settled(vendor.vendorId, customer, 3);
    expect(replies.map((r) => `${r.provider}:${r.status}`)).toEqual(["meta:sent", "meta:sent", "meta:sent"]);
    const stock = await availableStock(vendor.vendorId, "robe1");
    expect(stock).toBe(3);
  }, 60_000);

  it("outside the 24-hour window: a vendor-started message fails with the reason, without a call to Meta", async () => {
    const { vendor, number } = await metaOnlyVendor();
    const customer = "+221773000011";
    await db
      .collection("vendors")
      .doc(vendor.vendorId)
      .collection("conversations")
      .doc(customer)
      .set({ vendorId: vendor.vendorId, customer, lastInboundAt: Timestamp.fromMillis(Date.now() - 25 * 3600_000) });
    const res = await adminCall(`/vendors/${vendor.vendorId}/messages`, {
      method: "POST",
      token: adminToken,
      body: { to: customer, text: "Nouvelle collection !" },
    });
    expect(res.status).toBe(202);
    const [message] = await settled(vendor.vendorId, customer);
    expect(message).toMatchObject({ status: "failed", error: { code: "outside_window" } });
    expect(message!.error.message).toContain("24 hours");
    expect(meta.requests.filter((r) => r.phoneNumberId === number.phoneNumberId)).toHaveLength(0);
  }, 30_000);

  it("Meta's 131047 fails the message with that reason; 190 also marks the number for the operator", async () => {
    const { vendor, number } = await metaOnlyVendor();
    const customer = "+221773000012";
    meta.injectFault({ code: 131047, phoneNumberId: number.phoneNumberId });
    await postMeta(vendor.vendorId, number.appSecret, metaBody([metaText(number.phoneNumberId, customer, "Bonjour")]));
    const [outside] = await settled(vendor.vendorId, customer);
    expect(outside).toMatchObject({ status: "failed", error: { code: "outside_window" } });
    expect(outside!.delivery.attempts).toBe(1);

    meta.injectFault({ code: 190, phoneNumberId: number.phoneNumberId });
    await postMeta(vendor.vendorId, number.appSecret, metaBody([metaText(number.phoneNumberId, customer, "aide")]));
    const replies = await settled(vendor.vendorId, customer, 2);
    expect(replies[1]).toMatchObject({ status: "failed", error: { code: "number_unusable" } });
    const marked = await eventually(async () => (await runtimeOf(vendor)).deliveryProblem, 10_000, "the number marked");
    expect(marked).toMatchObject({ code: "number_unusable" });
  }, 30_000);
});

describe("Meta webhook", () => {
  it("verification: the challenge echoed for the right token only", async () => {
    const { vendor, number } = await metaOnlyVendor();
    const ok = await verifyMeta(vendor.vendorId, number.verifyToken, "8421");
    expect(ok).toMatchObject({ status: 200, text: "8421" });
    expect(ok.type).toContain("text/plain");
    const wrong = await verifyMeta(vendor.vendorId, "not-the-token");
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text).error.code).toBe("invalid_verify_token");
  }, 20_000);

  it("verification: a rotated token stops verifying within the credentials' bound, even on an instance without Redis", async () => {
    const { vendor, number } = await metaOnlyVendor();
    const instance = functionInstance("memory");
    const get = (token: string) =>
      handleMetaWebhook(
        {
          method: "GET",
          path: `/${vendor.vendorId}`,
          headers: {},
          rawBody: Buffer.alloc(0),
          query: { "hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "77" },
        },
        instance,
      );
    expect((await get(number.verifyToken)).status).toBe(200);
    const rotated = `meta-verify-${Date.now()}`;
    await db.collection("waba_instances").doc(vendor.wabaInstanceId).update({ metaVerifyToken: rotated });
    await sleep(ACCEPT_MAX_AGE_MS + 200);
    expect((await get(number.verifyToken)).status).toBe(403);
    expect((await get(rotated)).status).toBe(200);
  }, 20_000);

  it("signature: right accepted; wrong, missing, and over re-serialized JSON refused with nothing written", async () => {
    const { vendor, number } = await metaOnlyVendor({ autoReplyEnabled: false });
    const customer = "+221773000020";
    const raw = JSON.stringify(metaBody([metaText(number.phoneNumberId, customer, "Ça coûte combien ? 👗")])).replace(
      /"Ça/,
      '"\\u00c7a',
    );
    // Signed over the bytes Meta sent (with an escaped accent); re-serializing the JSON changes them.
    const reserialized = JSON.stringify(JSON.parse(raw));
    expect(reserialized).not.toBe(raw);
    const tampered = await postMeta(vendor.vendorId, undefined, undefined, {
      raw: reserialized,
      signature: metaSignature(number.appSecret, Buffer.from(raw)),
    });
    expect(tampered.status).toBe(401);
    expect(tampered.json.error.code).toBe("invalid_signature");
    const wrong = await postMeta(vendor.vendorId, "another-secret", undefined, { raw });
    expect(wrong.status).toBe(401);
    const missing = await postMeta(vendor.vendorId, undefined, undefined, { raw });
    expect(missing).toMatchObject({ status: 401, json: { error: { code: "missing_signature" } } });
    expect((await messagesOf(db, vendor.vendorId, customer).get()).size).toBe(0);

    const right = await postMeta(vendor.vendorId, number.appSecret, undefined, { raw });
    expect(right.status, right.text).toBe(200);
    const stored = await messagesOf(db, vendor.vendorId, customer).get();
    expect(stored.docs.map((d) => d.get("text"))).toEqual(["Ça coûte combien ? 👗"]);
    expect(stored.docs[0]!.get("channel")).toBe("meta");
  }, 20_000);

  it("batched entries handled whole; a duplicate delivery stored once", async () => {
    const { vendor, number } = await metaOnlyVendor({ autoReplyEnabled: false });
    const [a, b] = ["+221773000021", "+221773000022"];
    const ids = [metaWamid(), metaWamid(), metaWamid()];
    const body = metaBody(
      [metaText(number.phoneNumberId, a, "un", ids[0]), metaText(number.phoneNumberId, b, "deux", ids[1])],
      [metaText(number.phoneNumberId, a, "trois", ids[2])],
    );
    const first = await postMeta(vendor.vendorId, number.appSecret, body);
    expect(first.status).toBe(200);
    expect(first.json.results.map((r: any) => r.outcome)).toEqual(["stored", "stored", "stored"]);
    const again = await postMeta(vendor.vendorId, number.appSecret, body);
    expect(again.json.results.map((r: any) => r.outcome)).toEqual(["duplicate", "duplicate", "duplicate"]);
    expect((await messagesOf(db, vendor.vendorId, a).get()).size).toBe(2);
    expect((await messagesOf(db, vendor.vendorId, b).get()).size).toBe(1);
  }, 20_000);

  it("a number of another vendor is refused, and nothing of the batch is recorded", async () => {
    const { vendor, number } = await metaOnlyVendor({ autoReplyEnabled: false });
    const other = await metaOnlyVendor({ autoReplyEnabled: false });
    const customer = "+221773000023";
    const res = await postMeta(
      vendor.vendorId,
      number.appSecret,
      metaBody([
        metaText(number.phoneNumberId, customer, "à moi"),
        metaText(other.number.phoneNumberId, customer, "pas à moi"),
      ]),
    );
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("unknown_number");
    expect((await messagesOf(db, vendor.vendorId, customer).get()).size).toBe(0);
    expect((await messagesOf(db, other.vendor.vendorId, customer).get()).size).toBe(0);
    // Also when the other vendor's change holds nothing readable: the number it names is enough.
    const empty = await postMeta(
      vendor.vendorId,
      number.appSecret,
      metaBody([
        metaText(number.phoneNumberId, customer, "à moi"),
        metaValue(other.number.phoneNumberId, { messages: [] }),
      ]),
    );
    expect(empty.status).toBe(403);
    expect(empty.json.error.code).toBe("unknown_number");
    expect((await messagesOf(db, vendor.vendorId, customer).get()).size).toBe(0);
  }, 20_000);

  it("a vendor's numbers on two Meta apps: a body speaks only for the numbers of the app that signed it", async () => {
    const { vendor, number } = await metaOnlyVendor({ autoReplyEnabled: false });
    const second = metaNumber();
    await db
      .collection("waba_instances")
      .doc(`${vendor.wabaInstanceId}_b`)
      .set({
        vendorId: vendor.vendorId,
        provider: "meta",
        phoneNumber: `+2217${Math.floor(10_000_000 + Math.random() * 89_999_999)}`,
        status: "connected",
        ...metaFields(second, meta.apiUrl),
      });
    await eventually(
      async () => ((await db.collection("meta_phone_index").doc(second.phoneNumberId).get()).exists ? true : undefined),
      15_000,
      "the second number indexed",
    );
    const customer = "+221773000025";
    const forged = await postMeta(
      vendor.vendorId,
      number.appSecret,
      metaBody([metaText(second.phoneNumberId, customer, "signé par l'autre app")]),
    );
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe("invalid_signature");
    const mixed = await postMeta(
      vendor.vendorId,
      number.appSecret,
      metaBody([metaText(number.phoneNumberId, customer, "un"), metaText(second.phoneNumberId, customer, "deux")]),
    );
    expect(mixed.status).toBe(401);
    expect((await messagesOf(db, vendor.vendorId, customer).get()).size).toBe(0);
    const own = await postMeta(
      vendor.vendorId,
      second.appSecret,
      metaBody([metaText(second.phoneNumberId, customer, "signé par la sienne")]),
    );
    expect(own.status, own.text).toBe(200);
    const stored = (await messagesOf(db, vendor.vendorId, customer).get()).docs;
    expect(stored.map((d) => [d.get("text"), d.get("wabaInstanceId")])).toEqual([
      ["signé par la sienne", `${vendor.wabaInstanceId}_b`],
    ]);
  }, 30_000);

  it("statuses out of order apply forward only; a failed status keeps Meta's error", async () => {
    const { vendor, number } = await metaOnlyVendor();
    const customer = "+221773000024";
    await postMeta(vendor.vendorId, number.appSecret, metaBody([metaText(number.phoneNumberId, customer, "Bonjour")]));
    const [reply] = await settled(vendor.vendorId, customer);
    const wamid = await eventually(
      async () =>
        (await outboundOf(db, vendor.vendorId, customer).doc(reply!.id).get()).get("waMessageId") as string | undefined,
      10_000,
      "the wamid linked",
    );
    expect(wamid).toMatch(/^wamid\./);
    await postMeta(vendor.vendorId, number.appSecret, metaBody([metaStatus(number.phoneNumberId, wamid, "read")]));
    await postMeta(
      vendor.vendorId,
      number.appSecret,
      metaBody([metaStatus(number.phoneNumberId, wamid, "delivered"), metaStatus(number.phoneNumberId, wamid, "sent")]),
    );
    const doc = (await outboundOf(db, vendor.vendorId, customer).doc(reply!.id).get()).data()!;
    expect(doc.deliveryStatus).toBe("read");

    await postMeta(vendor.vendorId, number.appSecret, metaBody([metaText(number.phoneNumberId, customer, "aide")]));
    const replies = await settled(vendor.vendorId, customer, 2);
    const failedWamid = await eventually(
      async () =>
        (await outboundOf(db, vendor.vendorId, customer).doc(replies[1]!.id).get()).get("waMessageId") as
          string | undefined,
      10_000,
      "the wamid linked",
    );
    const failed = await postMeta(
      vendor.vendorId,
      number.appSecret,
      metaBody([
        metaStatus(number.phoneNumberId, failedWamid, "failed", {
          errors: [{ code: 131026, title: "Message undeliverable" }],
        }),
      ]),
    );
    expect(failed.status).toBe(200);
    const failedDoc = (await outboundOf(db, vendor.vendorId, customer).doc(replies[1]!.id).get()).data()!;
    expect(failedDoc.deliveryStatus).toBe("error");
    expect(JSON.stringify(failedDoc)).toContain("131026");
  }, 30_000);
});
