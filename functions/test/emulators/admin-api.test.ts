import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  idTokenWithClaims,
  messagesOf,
  outboundOf,
  postWebhook,
  type TestVendor,
} from "../support/emulators";

const db = adminDb();
let wasender: FakeWasender;
let vendor: TestVendor;
let other: TestVendor;
const tokens: Record<string, string> = {};
const ACCESS_TOKEN = "pat-123";

beforeAll(async () => {
  wasender = await startFakeWasender({ sessions: {} });
  vendor = await createVendor(db, { apiUrl: wasender.apiUrl, instance: { wasenderAccessToken: ACCESS_TOKEN } });
  other = await createVendor(db, { apiUrl: wasender.apiUrl });
  wasender.addSession(`session-${vendor.vendorId}`, ACCESS_TOKEN);
  tokens.admin = await idTokenWithClaims({ admin: true });
  tokens.own = await idTokenWithClaims({ vendorId: vendor.vendorId });
  tokens.otherVendor = await idTokenWithClaims({ vendorId: other.vendorId });
  tokens.plain = await idTokenWithClaims({});
});
afterAll(() => wasender.close());

const setup = (token?: string, vendorId = vendor.vendorId) =>
  adminCall(`/vendors/${vendorId}/setup-wasender-webhook`, { ...(token && { token }) });

describe("admin API authorization", () => {
  it.each(["setup-wasender-webhook", "wasender-status", "messages"])(
    "%s: 401 without a token or with a bad one",
    async (action) => {
      const method = action === "wasender-status" ? "GET" : "POST";
      expect((await adminCall(`/vendors/${vendor.vendorId}/${action}`, { method })).status).toBe(401);
      const bad = await adminCall(`/vendors/${vendor.vendorId}/${action}`, { method, token: "not-a-token" });
      expect(bad.status).toBe(401);
      expect(bad.json.error.code).toBe("invalid_token");
    },
  );

  it("403 for another vendor's token or a token without claims", async () => {
    expect((await setup(tokens.otherVendor)).status).toBe(403);
    expect((await setup(tokens.plain)).status).toBe(403);
  });

  it("405 for the wrong method, 404 for an unknown route", async () => {
    expect(
      (await adminCall(`/vendors/${vendor.vendorId}/wasender-status`, { method: "POST", token: tokens.admin })).status,
    ).toBe(405);
    expect((await adminCall(`/vendors/${vendor.vendorId}/nothing`, { token: tokens.admin })).status).toBe(404);
  });
});

describe("POST /api/admin/vendors/{vendorId}/setup-wasender-webhook", () => {
  it.each(["admin", "own"])("registers the webhook at Wasender with a %s token and records it", async (who) => {
    const res = await setup(tokens[who]);
    expect(res.status).toBe(200);
    const settings = wasender.sessionSettings.get(`session-${vendor.vendorId}`)!;
    expect(settings).toMatchObject({
      webhook_url: `http://127.0.0.1:5000/api/webhooks/wasender/${vendor.vendorId}`,
      webhook_enabled: true,
    });
    expect(settings.webhook_events).toEqual([
      "messages.received",
      "messages.update",
      "message.sent",
      "session.status",
      "qrcode.updated",
    ]);
    const instance = await db.collection("waba_instances").doc(vendor.wabaInstanceId).get();
    expect(instance.get("webhookRegistration")).toMatchObject({ url: settings.webhook_url, enabled: true });
    expect(instance.get("webhookRegistration.registeredAt")).toBeTruthy();
  });

  it("names each Wasender failure", async () => {
    const cases: Array<[() => void, number, string]> = [
      [
        () => wasender.injectFault({ status: 429, body: { message: "Too many", retry_after: 30 } }),
        503,
        "wasender_rate_limited",
      ],
      [() => wasender.injectFault({ status: 500 }), 502, "wasender_unavailable"],
      [
        () => wasender.injectFault({ status: 401, body: { success: false, message: "Unauthenticated." } }),
        502,
        "wasender_unauthorized",
      ],
      [
        () => wasender.injectFault({ status: 404, body: { success: false, message: "WhatsApp session not found." } }),
        502,
        "wasender_unknown_session",
      ],
    ];
    for (const [arrange, status, code] of cases) {
      arrange();
      const res = await setup(tokens.admin);
      expect(res.status, code).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(res.text).not.toContain(ACCESS_TOKEN);
    }
  });

  it("says so when Wasender does not answer in time", async () => {
    wasender.injectFault({ delayMs: 11_000, status: 200 });
    const res = await setup(tokens.admin);
    expect(res.status).toBe(504);
    expect(res.json.error.code).toBe("wasender_timeout");
  }, 40_000);

  it("409 when the instance has no access token to register with", async () => {
    const res = await setup(tokens.admin, other.vendorId);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain("wasenderAccessToken");
  });
});

describe("GET /api/admin/vendors/{vendorId}/wasender-status", () => {
  it("asks Wasender, updates the instance and returns the normalized status", async () => {
    wasender.setSessionStatus("NEED_SCAN");
    const res = await adminCall(`/vendors/${vendor.vendorId}/wasender-status`, { method: "GET", token: tokens.own });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ sessionStatus: "need_scan", status: "disconnected" });
    expect((await db.collection("waba_instances").doc(vendor.wabaInstanceId).get()).get("status")).toBe("disconnected");
    expect((await db.collection("waba_runtime").doc(vendor.wabaInstanceId).get()).get("sessionStatus")).toBe(
      "need_scan",
    );
    wasender.setSessionStatus("connected");
    await adminCall(`/vendors/${vendor.vendorId}/wasender-status`, { method: "GET", token: tokens.admin });
    expect((await db.collection("waba_instances").doc(vendor.wabaInstanceId).get()).get("status")).toBe("connected");
  });

  it("names a refused session key", async () => {
    wasender.injectFault({ status: 401, body: { success: false, message: "Unauthenticated." } });
    const res = await adminCall(`/vendors/${vendor.vendorId}/wasender-status`, { method: "GET", token: tokens.admin });
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe("wasender_unauthorized");
  });
});

describe("messages the vendor starts", () => {
  it("POST /messages queues on the customer's conversation, sends through the vendor's own session and tracks the message", async () => {
    const res = await adminCall(`/vendors/${vendor.vendorId}/messages`, {
      token: tokens.own,
      body: { to: "77 555 44 33", text: "Votre commande est prête", documentUrl: "https://example.com/facture.pdf" },
    });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      ok: true,
      status: "queued",
      path: `vendors/${vendor.vendorId}/conversations/+221775554433/outbound/${res.json.messageId}`,
    });
    const [send] = await wasender.waitForSends(1, {
      predicate: (s) => s.to === "+221775554433" && s.apiKey === vendor.apiKey,
    });
    expect(send).toMatchObject({ documentUrl: "https://example.com/facture.pdf", text: "Votre commande est prête" });
    const doc = await eventually(
      async () => {
        const snap = await outboundOf(db, vendor.vendorId, "+221775554433").doc(res.json.messageId).get();
        return snap.get("waMessageId") ? snap : undefined;
      },
      10_000,
      "the API message sent and linked",
    );
    expect(doc.data()).toMatchObject({
      direction: "outbound",
      origin: "api",
      status: "sent",
      wasenderMsgId: send!.msgId,
      waMessageId: send!.waMessageId,
    });
    const delivered = await postWebhook(vendor, {
      event: "messages.update",
      data: { key: { id: send!.waMessageId, fromMe: true }, update: { status: 3 } },
    });
    expect(delivered.json.results[0].outcome).toBe("applied");
    expect((await doc.ref.get()).get("deliveryStatus")).toBe("delivered");
    const conversation = await db
      .collection("vendors")
      .doc(vendor.vendorId)
      .collection("conversations")
      .doc("+221775554433")
      .get();
    expect(conversation.get("outbox")).toEqual([]);
  });

  it("refuses a bad number or an empty text with a clear 400", async () => {
    const badNumber = await adminCall(`/vendors/${vendor.vendorId}/messages`, {
      token: tokens.admin,
      body: { to: "12", text: "x" },
    });
    expect(badNumber.status).toBe(400);
    expect(badNumber.json.error.code).toBe("invalid_phone");
    const empty = await adminCall(`/vendors/${vendor.vendorId}/messages`, {
      token: tokens.admin,
      body: { to: "+221775554433", text: "  " },
    });
    expect(empty.status).toBe(400);
    expect(empty.json.error.problems.join()).toContain("text");
  });

  it("queues a text holding a lone surrogate, with U+FFFD in its place (Firestore takes no such string)", async () => {
    const res = await adminCall(`/vendors/${vendor.vendorId}/messages`, {
      token: tokens.admin,
      body: { to: "+221775554434", text: "a\ud800b" },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const doc = await outboundOf(db, vendor.vendorId, "+221775554434").doc(res.json.messageId).get();
    expect(doc.get("text")).toBe("a\ufffdb");
  });

  it("sends a message a dashboard writes straight into Firestore", async () => {
    const customer = "+221776665544";
    const ref = await messagesOf(db, vendor.vendorId, customer).add({
      direction: "outbound",
      text: "Bonjour de la boutique",
    });
    const [send] = await wasender.waitForSends(1, { predicate: (s) => s.to === customer });
    expect(send).toMatchObject({ apiKey: vendor.apiKey, text: "Bonjour de la boutique" });
    // Sent as the outbound message of the same id (linked there); the dashboard's document gets the status.
    const sentAs = await eventually(
      async () => {
        const snap = await outboundOf(db, vendor.vendorId, customer).doc(ref.id).get();
        return snap.get("waMessageId") ? snap : undefined;
      },
      10_000,
      "the console message sent and linked",
    );
    expect(sentAs.data()).toMatchObject({
      origin: "console",
      status: "sent",
      to: customer,
      wabaInstanceId: vendor.wabaInstanceId,
      text: "Bonjour de la boutique",
    });
    const doc = await ref.get();
    expect(doc.data()).toMatchObject({
      origin: "console",
      status: "sent",
      to: customer,
      wabaInstanceId: vendor.wabaInstanceId,
      sentAs: sentAs.ref.path,
    });
  });

  it("marks a dashboard message with an empty text failed, with the reason", async () => {
    const ref = await messagesOf(db, vendor.vendorId, "+221776665545").add({ direction: "outbound", text: "" });
    const doc = await eventually(
      async () => {
        const snap = await ref.get();
        return snap.get("status") === "failed" ? snap : undefined;
      },
      10_000,
      "the message marked failed",
    );
    expect(doc.get("error.message")).toContain("text");
  });
});
