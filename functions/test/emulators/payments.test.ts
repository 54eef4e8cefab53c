import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePayments, type FakePayments } from "../../../scripts/lib/fake-payments.mjs";
import { startFakeWasender, type FakeSend, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { ProviderCheckoutCreator } from "../../src/payments/checkout-creator";
import { reconcileCheckouts } from "../../src/payments/reconcile";
import { adminDb, createVendor, eventually, postWebhook, sleep, type TestVendor } from "../support/emulators";
import { messagesReceived } from "../support/payloads";
import { givePaymentAccount, paymentAccount, PROVIDER_NAMES, type ProviderName } from "../support/payments";

// Payments end to end: a buyer reserves over WhatsApp (fake Wasender), the reservation creates the
// order's checkout at the vendor's provider (fake Wave / PayDunya / Orange Money), the provider's signed
// callback comes through Hosting to the payment webhook, and the order lifecycle thanks the buyer.

const db = adminDb();
let wasender: FakeWasender;
let payments: FakePayments;
const TEMPLATE = "https://pay.wave.com/m/M_sn_awa?amount={amount}";

beforeAll(async () => {
  wasender = await startFakeWasender();
  payments = await startFakePayments();
});
afterAll(async () => {
  await wasender.close();
  await payments.close();
});

const orders = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("orders");
const ledger = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("payments");
const noScheduler = { scheduler: { schedule: () => Promise.resolve() } };

async function paymentVendor(provider: ProviderName) {
  const vendor = await createVendor(db, {
    apiUrl: wasender.apiUrl,
    config: { businessName: "Awa Couture", paymentLinkTemplate: TEMPLATE },
    products: {
      robe1: { keyword: "ROBE1", name: "Robe wax Ndeye", price: 15000, currency: "XOF", stock: 20, active: true },
    },
  });
  const account = paymentAccount(provider, payments);
  await givePaymentAccount(vendor.vendorId, account, payments);
  return { vendor, account };
}

/** One buyer's chat: `say` posts a message and returns the texts the bot sent back to that buyer. */
function chat(vendor: TestVendor, customer: string) {
  const mine = (send: FakeSend) => send.apiKey === vendor.apiKey && send.to === customer;
  return {
    sent: () => wasender.sends.filter(mine).map((send) => send.text ?? ""),
    async say(text: string, replies = 1): Promise<string[]> {
      const before = wasender.sends.filter(mine).length;
      const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text, pushName: "Fatou" }));
      expect(res.status).toBe(200);
      const sends = await wasender.waitForSends(before + replies, { predicate: mine });
      return sends.slice(before).map((send) => send.text ?? "");
    },
    /** Waits for the bot's next `count` messages (a notice, a thank-you). */
    async next(count: number): Promise<string[]> {
      const sends = await wasender.waitForSends(count, { predicate: mine });
      return sends.slice(count - 1).map((send) => send.text ?? "");
    },
  };
}

/** Two robes reserved: the reservation text and its reference. */
async function reserve(vendor: TestVendor, customer: string) {
  const buyer = chat(vendor, customer);
  await buyer.say("ROBE1 x2");
  const [reserved] = await buyer.say("OUI");
  const reference = /\*(CMD-[A-Z0-9]{6})\*/.exec(reserved!)?.[1];
  expect(reference, reserved).toBeDefined();
  return { buyer, reserved: reserved!, reference: reference! };
}

const phone = (() => {
  let n = 0;
  return () => `+2217790${String(Date.now() % 10_000).padStart(4, "0")}${String(n++ % 10)}`;
})();

describe.each(PROVIDER_NAMES)("payments through %s (emulators)", (provider) => {
  it("creates the checkout at OUI, sends its link, pays and thanks once for a callback sent 3 times", async () => {
    const { vendor } = await paymentVendor(provider);
    const { buyer, reserved, reference } = await reserve(vendor, phone());
    const checkout = payments.find(reference, vendor.vendorId);
    expect(checkout).toMatchObject({ provider, amount: 30000, currency: "XOF", reference });
    if (provider === "wave") expect(checkout.request).toMatchObject({
      amount: "30000",
      currency: "XOF",
      client_reference: reference,
    });
    if (provider === "paydunya") expect(checkout.request).toMatchObject({
      invoice: { total_amount: 30000 },
      custom_data: { reference },
    });
    if (provider === "orange_money") expect(checkout.request).toMatchObject({
      amount: { unit: "XOF", value: 30000 },
      reference,
    });
    expect(reserved).toContain(checkout.url);
    expect(reserved).not.toContain("M_sn_awa");
    const order = (await orders(vendor.vendorId).doc(reference).get()).data()!;
    expect(order).toMatchObject({
      status: "reserved",
      paymentLink: checkout.url,
      checkout: { provider, state: "created", id: checkout.id },
    });

    const paid = await payments.pay(reference, { times: 3, vendorId: vendor.vendorId });
    expect(paid.callbacks.map((c) => c.status)).toEqual([200, 200, 200]);
    const outcomes = paid.callbacks.map((c) => (JSON.parse(c.answer) as { outcome: string }).outcome);
    expect(outcomes).toEqual(["paid", "duplicate", "duplicate"]);
    const [thanks] = await buyer.next(3);
    expect(thanks).toBe(
      `Paiement reçu pour la commande *${reference}* (30 000 FCFA). Merci pour votre achat chez Awa Couture !`,
    );
    const after = (await orders(vendor.vendorId).doc(reference).get()).data()!;
    expect(after).toMatchObject({
      status: "paid",
      payment: { provider, amount: 30000, currency: "XOF", transactionId: expect.any(String) },
    });
    expect(after.attention).toBeUndefined();
    // A fourth delivery, later: still nothing new.
    const again = await payments.send(payments.callbackFor(payments.find(reference, vendor.vendorId)));
    expect(again.status).toBe(200);
    await sleep(1500);
    expect(buyer.sent()).toHaveLength(3);
    expect((await ledger(vendor.vendorId).get()).size).toBe(1);
  });

  it("refuses forged, stale and other-vendor callbacks, and flags a wrong amount without paying", async () => {
    const { vendor } = await paymentVendor(provider);
    const other = await paymentVendor(provider);
    const { reference } = await reserve(vendor, phone());
    const { reference: otherReference } = await reserve(other.vendor, phone());
    const checkout = payments.find(reference, vendor.vendorId);
    const mine = payments.callbackFor(checkout);

    const forged = await payments.send(payments.callbackFor(checkout, { secret: "not-the-secret" }));
    expect(forged.status).toBe(401);
    // Signed with the other vendor's own account, posted to this vendor's URL.
    const otherCallback = payments.callbackFor(payments.find(otherReference, other.vendor.vendorId));
    expect((await payments.send({ ...otherCallback, url: mine.url })).status).toBe(401);
    // PayDunya's proof is in the body (data[hash]); the others' in the headers.
    const unsigned = await payments.send(
      provider === "paydunya"
        ? { ...mine, body: mine.body.replace(/data%5Bhash%5D=[^&]*&?/, "") }
        : { ...mine, headers: { "content-type": mine.headers["content-type"]! } },
    );
    expect(unsigned.status).toBe(401);
    if (provider === "paydunya") {
      // The right hash (a constant) is not enough: PayDunya must confirm the invoice for this vendor.
      const invented = mine.body.replace(checkout.id, "test_0000000000000000");
      expect((await payments.send({ ...mine, body: invented })).status).toBe(403);
    } else {
      const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
      const stale = await payments.send(payments.callbackFor(checkout, { signedAt: tenMinutesAgo }));
      expect(stale.status).toBe(401);
      expect(stale.answer).toContain("stale_signature");
    }
    expect((await ledger(vendor.vendorId).get()).size).toBe(0);
    expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("reserved");

    const wrong = await payments.pay(reference, { amount: 1000, vendorId: vendor.vendorId });
    expect(JSON.parse(wrong.callbacks[0]!.answer)).toMatchObject({ ok: true, outcome: "amount_mismatch" });
    const order = (await orders(vendor.vendorId).doc(reference).get()).data()!;
    expect(order.status).toBe("reserved");
    expect(order.payment).toBeUndefined();
    expect(order.attention).toMatch(/1000 XOF does not match the order's 30000 XOF/);
    expect(order.paymentIssue).toMatchObject({ provider, amount: 1000 });
    expect((await orders(other.vendor.vendorId).doc(otherReference).get()).get("status")).toBe("reserved");
  });

  it("still reserves when the provider is down at OUI, with the vendor's link template, and records it", async () => {
    const { vendor } = await paymentVendor(provider);
    payments.injectFault({ provider, httpStatus: 503 });
    const { reserved, reference } = await reserve(vendor, phone());
    expect(reserved).toContain("https://pay.wave.com/m/M_sn_awa?amount=30000");
    const order = (await orders(vendor.vendorId).doc(reference).get()).data()!;
    expect(order).toMatchObject({
      status: "reserved",
      stockHeld: true,
      paymentLink: "https://pay.wave.com/m/M_sn_awa?amount=30000",
    });
    expect(order.checkout).toMatchObject({ provider, state: "fallback", reason: expect.stringContaining("503") });
  });

  it("tells the buyer of a failed payment, keeps the reservation; a later failure never un-pays", async () => {
    const { vendor } = await paymentVendor(provider);
    const { buyer, reference } = await reserve(vendor, phone());
    const failed = await payments.pay(reference, { fail: true, vendorId: vendor.vendorId });
    expect(JSON.parse(failed.callbacks[0]!.answer)).toMatchObject({ outcome: "failure_notified" });
    const [notice] = await buyer.next(3);
    expect(notice).toContain(`Le paiement de la commande *${reference}* n'a pas abouti`);
    expect(notice).toContain(payments.find(reference, vendor.vendorId).url);
    expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("reserved");

    await payments.pay(reference, { vendorId: vendor.vendorId });
    await buyer.next(4);
    const late = await payments.pay(reference, { fail: true, vendorId: vendor.vendorId });
    const lateOutcome = { outcome: expect.stringMatching(/failure_ignored|duplicate/) };
    expect(JSON.parse(late.callbacks[0]!.answer)).toMatchObject(lateOutcome);
    expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("paid");
    await sleep(1000);
    expect(buyer.sent()).toHaveLength(4);
  });

  it("records and flags a payment that comes after the reservation ended", async () => {
    const { vendor } = await paymentVendor(provider);
    const { buyer, reference } = await reserve(vendor, phone());
    // The reservation ends (as the expiry sweep would): items back on sale, buyer told.
    await orders(vendor.vendorId).doc(reference).update({
      expiresAt: Timestamp.fromMillis(Date.now() - 1000),
      status: "expired",
    });
    await buyer.next(3);
    const paid = await payments.pay(reference, { vendorId: vendor.vendorId });
    expect(JSON.parse(paid.callbacks[0]!.answer)).toMatchObject({ outcome: "paid_late" });
    const order = await eventually(async () => {
      const data = (await orders(vendor.vendorId).doc(reference).get()).data()!;
      return data.notices?.paid ? data : undefined;
    }, 15_000, "the late payment thanked");
    expect(order).toMatchObject({ status: "paid", stockHeld: false, payment: { provider, amount: 30000 } });
    expect(order.attention).toMatch(/after the reservation ended/);
  });
});

describe.each(["wave", "paydunya"] as const)("a lost %s callback", (provider) => {
  it("is reconciled by the sweep's check with the provider: the order ends paid and thanked", async () => {
    const { vendor } = await paymentVendor(provider);
    const { buyer, reference } = await reserve(vendor, phone());
    await payments.pay(reference, { times: 0, vendorId: vendor.vendorId });
    // Not due yet: nothing is asked.
    await reconcileCheckouts(new Date(), noScheduler);
    expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("reserved");
    // Minutes later, the sweep asks the provider.
    await reconcileCheckouts(new Date(Date.now() + 3 * 60_000), noScheduler);
    const order = (await orders(vendor.vendorId).doc(reference).get()).data()!;
    expect(order).toMatchObject({ status: "paid", payment: { provider, amount: 30000, currency: "XOF" } });
    expect(order.checkout.checkAfter).toBeUndefined();
    const [thanks] = await buyer.next(3);
    expect(thanks).toContain(`Paiement reçu pour la commande *${reference}*`);
  });
});

describe.each(PROVIDER_NAMES)("the %s checkout of a decision run again", (provider) => {
  it("is created once: the transaction's retries with the same reference get the same checkout", async () => {
    const { vendor } = await paymentVendor(provider);
    const creator = new ProviderCheckoutCreator(() => "http://127.0.0.1:5000");
    const request = {
      vendorId: vendor.vendorId,
      reference: "CMD-RETRY2",
      amount: 30000,
      currency: "XOF",
      customer: "+221771112233",
      expiresAt: new Date(Date.now() + 600_000),
    };
    const fallback = "https://fallback.test";
    const links = await Promise.all([creator.linkFor(request, fallback), creator.linkFor(request, fallback)]);
    links.push(await creator.linkFor(request, fallback));
    expect(new Set(links.map((link) => link.url)).size).toBe(1);
    expect(links[0].checkout).toMatchObject({ provider, state: "created" });
    const mine = (c: { reference?: string; account: { vendorId: string } }) =>
      c.reference === "CMD-RETRY2" && c.account.vendorId === vendor.vendorId;
    const made = payments.checkouts.filter(mine);
    expect(made).toHaveLength(1);
  });
});
