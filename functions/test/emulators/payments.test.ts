import fc from "fast-check";
import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePayments, type FakePayments } from "../../../scripts/lib/fake-payments.mjs";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { ProviderCheckoutCreator } from "../../src/payments/checkout-creator";
import { reconcileCheckouts } from "../../src/payments/reconcile";
import { adminDb, eventually, FUNCTIONS_URL, type TestVendor } from "../support/emulators";
import { buyerAddress, click, HOSTING, ledgerOf, ordersOf, paymentFlows, phone } from "../support/payment-flows";
import { PROVIDER_NAMES, type ProviderName } from "../support/payments";
import { expectWording } from "../support/wording";

// Payments end to end: a buyer reserves over WhatsApp (fake Wasender) and gets our pay link at once; the
// order's checkout is made at the vendor's provider (fake Wave / PayDunya / Orange Money) after the
// reservation commits, the pay link (through Hosting) redirects to it, the provider's signed callback
// comes through Hosting to the payment webhook, and the order lifecycle thanks the buyer.

const db = adminDb();
let wasender: FakeWasender;
let payments: FakePayments;

beforeAll(async () => {
  wasender = await startFakeWasender();
  payments = await startFakePayments();
});
afterAll(async () => {
  await wasender.close();
  await payments.close();
});

const orders = ordersOf;
const ledger = ledgerOf;
const noScheduler = { scheduler: { schedule: () => Promise.resolve() } };
const flows = () => paymentFlows(wasender, payments);
const paymentVendor = (provider: ProviderName) => flows().paymentVendor(provider);
const reserve = (vendor: TestVendor, customer: string, options?: { open?: boolean }) =>
  flows().reserve(vendor, customer, options);

describe.each(PROVIDER_NAMES)("payments through %s (emulators)", (provider) => {
  it("creates the checkout after OUI, its pay link leads to it, pays and thanks once for 3 callbacks", async () => {
    const { vendor } = await paymentVendor(provider);
    const { buyer, reserved, reference, link } = await reserve(vendor, phone());
    const checkout = payments.find(reference, vendor.vendorId);
    expect(checkout).toMatchObject({ provider, amount: 30000, currency: "XOF", reference });
    if (provider === "wave")
      expect(checkout.request).toMatchObject({
        amount: "30000",
        currency: "XOF",
        client_reference: reference,
      });
    if (provider === "paydunya")
      expect(checkout.request).toMatchObject({
        invoice: { total_amount: 30000 },
        custom_data: { reference },
      });
    if (provider === "orange_money")
      expect(checkout.request).toMatchObject({
        amount: { unit: "XOF", value: 30000 },
        reference,
      });
    expect(reserved).not.toContain("M_sn_awa");
    const order = (await orders(vendor.vendorId).doc(reference).get()).data()!;
    expect(order).toMatchObject({
      status: "reserved",
      paymentLink: link,
      paymentFallback: "https://pay.wave.com/m/M_sn_awa?amount=30000",
      checkout: { provider, state: "created", id: checkout.id, url: checkout.url },
    });
    expect(order.checkoutClaimedAt).toBeUndefined();
    // Opened again: the same checkout.
    expect((await click(link)).location).toBe(checkout.url);

    const paid = await payments.pay(reference, { times: 3, vendorId: vendor.vendorId });
    expect(paid.callbacks.map((c) => c.status)).toEqual([200, 200, 200]);
    const outcomes = paid.callbacks.map((c) => (JSON.parse(c.answer) as { outcome: string }).outcome);
    expect(outcomes).toEqual(["paid", "duplicate", "duplicate"]);
    const [thanks] = await buyer.next(3);
    expectWording(thanks, "paymentThanks", { reference, total: "30 000 FCFA", shop: "Awa Couture" });
    const after = (await orders(vendor.vendorId).doc(reference).get()).data()!;
    expect(after).toMatchObject({
      status: "paid",
      payment: { provider, amount: 30000, currency: "XOF", transactionId: expect.any(String) },
    });
    expect(after.attention).toBeUndefined();
    // A fourth delivery, later: still nothing new.
    const again = await payments.send(payments.callbackFor(payments.find(reference, vendor.vendorId)));
    expect(again.status).toBe(200);
    // The answer to a later message comes after anything the fourth delivery could have sent.
    const [later] = await buyer.say("AIDE");
    expect(buyer.sent()).toHaveLength(4);
    expect(buyer.sent()[3]).toBe(later);
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
      // The same answer as any unverified callback (the real reason, stale, is in the log).
      expect(stale.answer).toContain("unverified_callback");
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

  it("still reserves when the provider is down, records it; the pay link leads to the link template", async () => {
    const { vendor } = await paymentVendor(provider);
    // Down for the creation after the commit and for the buyer's click.
    payments.injectFault({ provider, httpStatus: 503, times: 2 });
    try {
      const { reserved, reference, link } = await reserve(vendor, phone(), { open: false });
      expect(reserved).not.toContain("M_sn_awa");
      const order = await eventually(
        async () => {
          const data = (await orders(vendor.vendorId).doc(reference).get()).data()!;
          return data.checkout && !data.checkoutClaimedAt ? data : undefined;
        },
        15_000,
        "the checkout's failure recorded",
      );
      expect(order).toMatchObject({ status: "reserved", stockHeld: true, paymentLink: link });
      expect(order.checkout).toMatchObject({ provider, state: "fallback", reason: expect.stringContaining("503") });
      const opened = await click(link);
      expect(opened.status).toBe(302);
      expect(opened.location).toBe("https://pay.wave.com/m/M_sn_awa?amount=30000");
      expect(() => payments.find(reference, vendor.vendorId)).toThrow();
      // The provider is back: the next click makes the checkout and leads to it.
      const later = await click(link);
      expect(later.location).toBe(payments.find(reference, vendor.vendorId).url);
    } finally {
      payments.clearFaults();
    }
  });

  it("commits the reservation while the provider holds the checkout request; the link leads to it after", async () => {
    const { vendor } = await paymentVendor(provider);
    payments.injectFault({ provider, hang: true, delayMs: 60_000 });
    try {
      const { reserved, reference, link } = await reserve(vendor, phone(), { open: false });
      // The reply was sent and the order stored while the provider has answered nothing (it holds for 60 s).
      expect(reserved).toContain(`*${reference}*`);
      expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("reserved");
      expect(() => payments.find(reference, vendor.vendorId)).toThrow();
      const order = await eventually(
        async () => {
          const data = (await orders(vendor.vendorId).doc(reference).get()).data()!;
          return data.checkout && !data.checkoutClaimedAt ? data : undefined;
        },
        15_000,
        "the late checkout recorded as a fallback",
      );
      const late = { provider, state: "fallback", reason: expect.stringContaining("no answer") };
      expect(order.checkout).toMatchObject(late);
      // The buyer opens the link: the checkout is made then, for the order's exact total and reference.
      const opened = await click(link);
      const checkout = payments.find(reference, vendor.vendorId);
      expect(checkout).toMatchObject({ provider, amount: 30000, currency: "XOF", reference });
      expect(opened).toMatchObject({ status: 302, location: checkout.url });
      expect((await orders(vendor.vendorId).doc(reference).get()).get("checkout")).toMatchObject({
        state: "created",
        id: checkout.id,
      });
    } finally {
      payments.clearFaults();
    }
  });

  it("refuses bad pay links clearly, and an order no longer payable", async () => {
    const { vendor } = await paymentVendor(provider);
    const { reference, link } = await reserve(vendor, phone());
    expect((await click(`${HOSTING}/pay/${vendor.vendorId}/not-a-reference`)).status).toBe(400);
    expect((await click(`${HOSTING}/pay/${vendor.vendorId}`)).status).toBe(400);
    expect((await click(`${HOSTING}/pay/${vendor.vendorId}/CMD-ZZZZZZ`)).status).toBe(404);
    expect((await click(`${HOSTING}/pay/no-such-vendor/${reference}`)).status).toBe(404);
    expect((await fetch(link, { method: "POST", redirect: "manual" })).status).toBe(405);
    expect((await orders("no-such-vendor").get()).size).toBe(0);
    await orders(vendor.vendorId).doc(reference).update({ status: "cancelled" });
    const cancelled = await click(link);
    expect(cancelled.status).toBe(410);
    expect(cancelled.text).toContain("annulée");
  });

  it("tells the buyer of a failed payment, keeps the reservation; a later failure never un-pays", async () => {
    const { vendor } = await paymentVendor(provider);
    const { buyer, reference, link } = await reserve(vendor, phone());
    const failed = await payments.pay(reference, { fail: true, vendorId: vendor.vendorId });
    expect(JSON.parse(failed.callbacks[0]!.answer)).toMatchObject({ outcome: "failure_notified" });
    const [notice] = await buyer.next(3);
    expectWording(notice, "paymentFailed", { reference });
    // The pay link, which leads to the same checkout.
    expect(notice).toContain(link);
    expect((await click(link)).location).toBe(payments.find(reference, vendor.vendorId).url);
    expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("reserved");

    await payments.pay(reference, { vendorId: vendor.vendorId });
    await buyer.next(4);
    const late = await payments.pay(reference, { fail: true, vendorId: vendor.vendorId });
    const lateOutcome = { outcome: expect.stringMatching(/failure_ignored|duplicate/) };
    expect(JSON.parse(late.callbacks[0]!.answer)).toMatchObject(lateOutcome);
    expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("paid");
    const [later] = await buyer.say("AIDE");
    expect(buyer.sent()).toHaveLength(5);
    expect(buyer.sent()[4]).toBe(later);
  });

  it("records and flags a payment that comes after the reservation ended", async () => {
    const { vendor } = await paymentVendor(provider);
    const { buyer, reference } = await reserve(vendor, phone());
    // The reservation ends (as the expiry sweep would): items back on sale, buyer told.
    await orders(vendor.vendorId)
      .doc(reference)
      .update({
        expiresAt: Timestamp.fromMillis(Date.now() - 1000),
        status: "expired",
      });
    await buyer.next(3);
    const paid = await payments.pay(reference, { vendorId: vendor.vendorId });
    expect(JSON.parse(paid.callbacks[0]!.answer)).toMatchObject({ outcome: "paid_late" });
    const order = await eventually(
      async () => {
        const data = (await orders(vendor.vendorId).doc(reference).get()).data()!;
        return data.notices?.paid ? data : undefined;
      },
      15_000,
      "the late payment thanked",
    );
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
    expectWording(thanks, "paymentThanks", { reference });
  });
});

describe.each(PROVIDER_NAMES)("the %s checkout of one order", (provider) => {
  it("is created once under a redelivered post-commit step and two concurrent clicks", async () => {
    const { vendor } = await paymentVendor(provider);
    const { reference, link } = await reserve(vendor, phone(), { open: false });
    // The function's own step after the commit runs too; so does a redelivered one (here, twice).
    const creator = new ProviderCheckoutCreator(() => HOSTING);
    const [first, second, clickA, clickB] = await Promise.all([
      creator.ensure(vendor.vendorId, reference),
      creator.ensure(vendor.vendorId, reference),
      click(link),
      click(link),
    ]);
    const mine = (c: { reference?: string; account: { vendorId: string } }) =>
      c.reference === reference && c.account.vendorId === vendor.vendorId;
    const made = payments.checkouts.filter(mine);
    expect(made).toHaveLength(1);
    const url = made[0]!.url;
    expect(first).toEqual({ kind: "created", url });
    expect(second).toEqual({ kind: "created", url });
    expect([clickA.location, clickB.location]).toEqual([url, url]);
    expect(await creator.ensure(vendor.vendorId, reference)).toEqual({ kind: "created", url });
    expect(payments.checkouts.filter(mine)).toHaveLength(1);
    const order = (await orders(vendor.vendorId).doc(reference).get()).data()!;
    expect(order.checkout).toMatchObject({ provider, state: "created", id: made[0]!.id, url });
  });
});

describe("the pay link, fuzzed (emulators)", () => {
  it("answers generated paths without a 5xx and writes nothing for unknown vendors or orders", async () => {
    const { vendor } = await paymentVendor("wave");
    const { reference } = await reserve(vendor, phone());
    // Through Hosting, well-formed URLs (its local emulator answers 500 itself to a malformed escape, before
    // any function runs); raw segments, malformed escapes included, on the function's own URL.
    const raw = fc.stringMatching(/^[A-Za-z0-9%._~-]{0,24}$/);
    const encoded = fc.string({ maxLength: 24 }).map(encodeURIComponent);
    const url = fc.oneof(
      fc.tuple(encoded, encoded).map(([a, b]) => `${HOSTING}/pay/${a}/${b}`),
      fc.array(encoded, { maxLength: 4 }).map((parts) => `${HOSTING}/pay/${parts.join("/")}`),
      fc.tuple(raw, raw).map(([a, b]) => `${FUNCTIONS_URL}/payLink/${a}/${b}`),
      fc.stringMatching(/^CMD-[A-Z0-9]{6}$/).map((ref) => `${HOSTING}/pay/${vendor.vendorId}/${ref}`),
      fc.stringMatching(/^[a-z0-9_]{1,20}$/).map((id) => `${HOSTING}/pay/fuzz_${id}/${reference}`),
    );
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(url, async (p) => {
        const res = await fetch(p, { redirect: "manual", headers: { "fastly-client-ip": buyerAddress() } });
        await res.text();
        statuses.push(res.status);
        expect(res.status, p).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    // Only the one real order exists for this vendor, unchanged but for its own checkout; no other vendor got an order.
    const mine = await orders(vendor.vendorId).get();
    expect(mine.docs.map((doc) => doc.id)).toEqual([reference]);
    const fuzzVendors = await db.collectionGroup("orders").get();
    expect(fuzzVendors.docs.filter((doc) => doc.ref.path.startsWith("vendors/fuzz_"))).toEqual([]);
  });
});
