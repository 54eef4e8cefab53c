import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, outboundOf, postWebhook, type TestVendor } from "../support/emulators";

const db = adminDb();
let wasender: FakeWasender;
let vendor: TestVendor;

beforeAll(async () => {
  wasender = await startFakeWasender();
  vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
});
afterAll(() => wasender.close());

const postConnection = (body: unknown, sub = "connection") =>
  postWebhook(vendor, body, { path: `/api/webhooks/wasender/${vendor.vendorId}${sub ? `/${sub}` : ""}` });
const instance = () => db.collection("waba_instances").doc(vendor.wabaInstanceId).get();
/** The session's own state, history and QR code: the number's runtime document. */
const runtime = () => db.collection("waba_runtime").doc(vendor.wabaInstanceId).get();

describe("session status", () => {
  it.each([
    ["connecting", "pending"],
    ["connected", "connected"],
    ["disconnected", "disconnected"],
    ["need_scan", "disconnected"],
    ["logged_out", "disconnected"],
    ["expired", "disconnected"],
    ["error", "disconnected"],
  ])("%s (in both letter cases) sets the instance status to %s", async (sessionStatus, status) => {
    for (const form of [sessionStatus, sessionStatus.toUpperCase()]) {
      const res = await postConnection({ event: "session.status", data: { status: form, session_id: "s1" } });
      expect(res.status).toBe(200);
      const doc = await instance();
      expect(doc.get("status")).toBe(status);
      expect(doc.get("lastSync")).toBeTruthy();
      expect((await runtime()).get("sessionStatus")).toBe(sessionStatus);
      expect((await runtime()).get("status")).toBe(status);
    }
  });

  it("keeps a short history, newest last", async () => {
    const history = (await runtime()).get("connectionHistory") as Array<{ sessionStatus: string }>;
    expect(history.length).toBeLessThanOrEqual(20);
    expect(history.at(-1)!.sessionStatus).toBe("error");
  });

  it("keeps the latest QR string, and handles it at the message URL too", async () => {
    await postConnection({ event: "qrcode.updated", data: { qr: "2@first" } });
    const res = await postConnection({ event: "qrcode.updated", data: { qr: "2@second" } }, "");
    expect(res.status).toBe(200);
    expect((await runtime()).get("qrCode")).toBe("2@second");
  });

  it("refuses an unknown session status with a clear 400", async () => {
    const res = await postConnection({ event: "session.status", data: { status: "sleeping" } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("need_scan");
  });

  it("holds replies while the number is disconnected and sends them, in order, once it reconnects", async () => {
    await postConnection({ event: "session.status", data: { status: "DISCONNECTED" } });
    const customer = "+221764443322";
    await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "bonjour" }));
    const waiting = await eventually(
      async () => {
        const snap = await outboundOf(db, vendor.vendorId, customer).get();
        return snap.docs[0]?.get("delivery.waitingReason") ? snap.docs[0] : undefined;
      },
      15_000,
      "the reply waiting",
    );
    expect(waiting.get("status")).toBe("queued");
    expect(waiting.get("delivery.state")).toBe("waiting");
    expect(waiting.get("delivery.waitingReason")).toContain("disconnected");
    expect(wasender.sends.some((s) => s.to === customer)).toBe(false);

    await postConnection({ event: "session.status", data: { status: "connected" } });
    const [send] = await wasender.waitForSends(1, { predicate: (s) => s.to === customer });
    expect(send!.apiKey).toBe(vendor.apiKey);
    await eventually(
      async () => ((await waiting.ref.get()).get("status") === "sent" ? true : undefined),
      10_000,
      "the reply sent",
    );
    // Sent once, after the reconnection: nothing went out while the number was disconnected.
    expect(wasender.sends.filter((s) => s.to === customer)).toEqual([send]);
  });
});
