import { createHmac } from "node:crypto";
import { Firestore } from "firebase-admin/firestore";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakePayments, type FakePayments } from "../../../scripts/lib/fake-payments.mjs";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { ProviderCheckoutCreator } from "../../src/payments/checkout-creator";
import { PAY_LINK_LIMITS } from "../../src/payments/pay-link-limiter";
import { fuzzSideEffects } from "../support/fuzz-side-effects";
import { adminDb, eventually, sleep } from "../support/emulators";
import {
  buyerAddress,
  click,
  HOSTING,
  ledgerOf,
  ordersOf,
  payLinkOf,
  paymentFlows,
  phone,
} from "../support/payment-flows";
import { givePaymentAccount, paymentAccount, paymentWebhookUrl, PROVIDER_NAMES } from "../support/payments";

// The attacks "a vendor's staff and a buyer reach only what is theirs" stops, each against the real
// emulators and the fake providers: probing which vendors have which account, paying an order with
// another checkout or another vendor's invoice, probing the pay link, sending buyers off the providers'
// hosts, and a payment account's change (added, secret rotated, removed) waiting on a cache.

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
afterEach(() => {
  payments.clearFaults();
  vi.restoreAllMocks();
});

const flows = () => paymentFlows(wasender, payments);
/** Longer than the payment account cache's life (4 s from its read): a change has taken effect. */
const ACCOUNT_CHANGE_BOUND_MS = 5_000;

/** A Wave event no payment hangs on, signed as Wave signs: it only says whether the secret is accepted. */
async function waveSignedEvent(vendorId: string, secret: string) {
  const body = JSON.stringify({ id: `AE_${Date.now()}`, type: "merchant.payment_received", data: {} });
  const t = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", secret).update(`${t}${body}`).digest("hex");
  const res = await fetch(paymentWebhookUrl("wave", vendorId), {
    method: "POST",
    headers: { "content-type": "application/json", "wave-signature": `t=${t},v1=${signature}` },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** The whole answer, as a prober sees it. */
async function answerTo(url: string, init: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

describe("before authentication, the payment webhook tells nothing about accounts", () => {
  it("answers byte-identically for an unknown vendor, another provider, an invalid account and a bad signature", async () => {
    const unknown = `vendor_nobody_${Date.now()}`;
    const paydunyaOnly = (await flows().paymentVendor("paydunya")).vendor.vendorId;
    const invalid = (await flows().shopVendor()).vendorId;
    await db.collection("payment_accounts").doc(invalid).set({ provider: "wave", waveApiKey: "" });
    const { vendor: real } = await flows().paymentVendor("wave");
    const forged = {
      method: "POST",
      headers: { "content-type": "application/json", "wave-signature": `t=${Math.floor(Date.now() / 1000)},v1=00` },
      body: JSON.stringify({ id: "AE_1", type: "checkout.session.completed", data: { id: "cos-1" } }),
    };
    const answers = await Promise.all(
      [unknown, paydunyaOnly, invalid, real.vendorId].map((vendorId) =>
        answerTo(paymentWebhookUrl("wave", vendorId), forged),
      ),
    );
    expect(answers[0]).toMatchObject({ status: 401 });
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ ok: false, error: { code: "unverified_callback" } });
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    // Unsigned: the same again.
    const unsigned = await answerTo(paymentWebhookUrl("wave", real.vendorId), {
      ...forged,
      headers: { "content-type": "application/json" },
    });
    expect(unsigned).toEqual(answers[0]);
    for (const vendorId of [paydunyaOnly, invalid, real.vendorId])
      expect((await ledgerOf(vendorId).get()).size).toBe(0);
  });
});

describe("a verified callback pays only the checkout the order was sent to", () => {
  it("refuses a Wave payment of another session of the same reference; the order stays reserved", async () => {
    const { vendor, account } = await flows().paymentVendor("wave");
    const { reference } = await flows().reserve(vendor, phone());
    const own = payments.find(reference, vendor.vendorId);
    // Another session for the same reference, made with the vendor's own key (a second checkout the buyer never got).
    const res = await fetch(`${payments.waveApiUrl}/v1/checkout/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${String(account.waveApiKey)}`, "content-type": "application/json" },
      body: JSON.stringify({
        amount: "30000",
        currency: "XOF",
        success_url: `${HOSTING}/`,
        error_url: `${HOSTING}/`,
        client_reference: reference,
      }),
    });
    const other = (await res.json()) as { id: string };
    expect(other.id).not.toBe(own.id);
    const paid = await payments.pay(other.id, { vendorId: vendor.vendorId });
    expect(paid.callbacks[0]!.status).toBe(409);
    expect(JSON.parse(paid.callbacks[0]!.answer)).toMatchObject({ ok: false, error: { code: "checkout_mismatch" } });
    const order = (await ordersOf(vendor.vendorId).doc(reference).get()).data()!;
    expect(order.status).toBe("reserved");
    expect(order.payment).toBeUndefined();
    expect((await ledgerOf(vendor.vendorId).get()).size).toBe(0);
    // The order's own session still pays it.
    const mine = await payments.pay(own.id, { vendorId: vendor.vendorId });
    expect(JSON.parse(mine.callbacks[0]!.answer)).toMatchObject({ outcome: "paid" });
  });

  it("refuses a PayDunya confirm whose custom_data.vendorId is another vendor", async () => {
    // Two vendors on one PayDunya account: an invoice made for the first, posted to the second's URL.
    const { vendor: first, account } = await flows().paymentVendor("paydunya");
    const second = await flows().shopVendor();
    await db.collection("payment_accounts").doc(second.vendorId).set(account);
    const { reference } = await flows().reserve(first, phone());
    // The second vendor has an order of that reference and total (as a copy of the first's).
    const copy = (await ordersOf(first.vendorId).doc(reference).get()).data()!;
    await ordersOf(second.vendorId).doc(reference).set(copy);
    const checkout = payments.find(reference, first.vendorId);
    checkout.status = "paid";
    const callback = payments.callbackFor(checkout);
    const sent = await payments.send({ ...callback, url: paymentWebhookUrl("paydunya", second.vendorId) });
    expect(sent.status).toBe(403);
    expect(JSON.parse(sent.answer)).toMatchObject({ ok: false, error: { code: "vendor_mismatch" } });
    expect((await ordersOf(second.vendorId).doc(reference).get()).get("status")).toBe("reserved");
    expect((await ledgerOf(second.vendorId).get()).size).toBe(0);
    // At the first vendor's own URL, the same invoice pays the first vendor's order.
    const own = await payments.send(callback);
    expect(JSON.parse(own.answer)).toMatchObject({ outcome: "paid" });
  });
});

describe("the pay link answers probes without a transaction", () => {
  const sideEffects = fuzzSideEffects();

  it("for an unknown order, an order with its checkout, and an order no longer payable", async () => {
    const { vendor } = await flows().paymentVendor("wave");
    const { reference } = await flows().reserve(vendor, phone());
    const cancelled = (await flows().reserve(vendor, phone())).reference;
    await ordersOf(vendor.vendorId).doc(cancelled).update({ status: "cancelled" });
    const ref = ordersOf(vendor.vendorId).doc(reference);
    const before = (await ref.get()).updateTime!;
    // What the pay link runs for a click, in this process, where its transactions and writes are counted.
    const creator = new ProviderCheckoutCreator(() => HOSTING);
    const transactions = vi.spyOn(Firestore.prototype, "runTransaction");
    sideEffects.start();
    try {
      expect(await creator.ensure(vendor.vendorId, "CMD-ZZZZZZ")).toEqual({ kind: "unknown" });
      expect(await creator.ensure("vendor_nobody", reference)).toEqual({ kind: "unknown" });
      const url = payments.find(reference, vendor.vendorId).url;
      expect(await creator.ensure(vendor.vendorId, reference)).toEqual({ kind: "created", url });
      expect(await creator.ensure(vendor.vendorId, cancelled)).toMatchObject({ kind: "not_payable" });
      expect(transactions).not.toHaveBeenCalled();
      expect(sideEffects.writes()).toBe(0);
    } finally {
      sideEffects.stop();
    }
    // Through Hosting too: the order is not written (its update time is the same).
    expect((await click(payLinkOf(vendor.vendorId, reference))).status).toBe(302);
    expect((await ref.get()).updateTime!.isEqual(before)).toBe(true);
  });
});

describe.each(PROVIDER_NAMES)("the %s pay link sends buyers only to the provider's own https hosts", (provider) => {
  const offHost = {
    wave: "https://pay.wave.com.attacker.example/c/cos-1",
    paydunya: "http://app.paydunya.com/sandbox-checkout/invoice/test_1",
    orange_money: "https://sugu.orange-sonatel.com.attacker.example/mp/om-1",
  }[provider];

  it(`records a fallback for a checkout URL such as ${offHost} and never redirects to it`, async () => {
    const { vendor } = await flows().paymentVendor(provider);
    // The creation after the commit and the buyer's click both get the URL.
    payments.answerCheckoutUrl({ provider, url: offHost, times: 2 });
    const { reference, link } = await flows().reserve(vendor, phone(), { open: false });
    const order = await eventually(
      async () => {
        const data = (await ordersOf(vendor.vendorId).doc(reference).get()).data()!;
        return data.checkout && !data.checkoutClaimedAt ? data : undefined;
      },
      15_000,
      "the checkout's outcome recorded",
    );
    expect(order.checkout).toMatchObject({ provider, state: "fallback", reason: expect.stringContaining("hosts") });
    expect(JSON.stringify(order)).not.toContain("attacker");
    const opened = await click(link);
    expect(opened).toMatchObject({ status: 302, location: "https://pay.wave.com/m/M_sn_awa?amount=30000" });
    expect(JSON.stringify((await ordersOf(vendor.vendorId).doc(reference).get()).data())).not.toContain(offHost);
  });
});

describe("the pay link is rate limited per client", () => {
  it(`answers 429 with Retry-After to probe ${PAY_LINK_LIMITS.perClientPerMinute + 1} from one client`, async () => {
    const vendor = await flows().shopVendor();
    const prober = buyerAddress();
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof click>> | undefined;
    for (let i = 0; i <= PAY_LINK_LIMITS.perClientPerMinute; i++) {
      last = await click(payLinkOf(vendor.vendorId, "CMD-ZZZZZZ"), prober);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, -1).every((status) => status === 404)).toBe(true);
    expect(last!.status).toBe(429);
    expect(Number(last!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(last!.text)).toMatchObject({ ok: false, error: { code: "too_many_requests" } });
    // Another buyer is not held back by this prober.
    expect((await click(payLinkOf(vendor.vendorId, "CMD-ZZZZZZ"))).status).toBe(404);
  });
});

describe("a payment account's change takes effect within 5 s on the functions", () => {
  it("an account added: the next reservation gets its own checkout, not the link template", async () => {
    const vendor = await flows().shopVendor();
    const first = await flows().reserveOnly(vendor, phone());
    expect(first.reserved).toContain("M_sn_awa");
    await givePaymentAccount(vendor.vendorId, paymentAccount("wave", payments), payments);
    await sleep(ACCOUNT_CHANGE_BOUND_MS);
    const { reference, link } = await flows().reserve(vendor, phone());
    expect(payments.find(reference, vendor.vendorId).url).toMatch(/^https:\/\/pay\.wave\.com\//);
    expect(link).toBe(payLinkOf(vendor.vendorId, reference));
  });

  it("an API key rotated (the old one revoked): the next checkout is made with the new key", async () => {
    const { vendor } = await flows().paymentVendor("wave");
    const first = await flows().reserve(vendor, phone());
    const before = payments.find(first.reference, vendor.vendorId).account;
    // The vendor's new key (and webhook secret, which tells at the fake which key made a checkout).
    const rotated = paymentAccount("wave", payments);
    await givePaymentAccount(vendor.vendorId, rotated, payments);
    await sleep(ACCOUNT_CHANGE_BOUND_MS);
    const second = await flows().reserve(vendor, phone());
    const made = payments.find(second.reference, vendor.vendorId).account;
    expect(made).not.toBe(before);
    expect(made).toMatchObject({ webhookSecret: rotated.waveWebhookSecret });
  });

  it("a webhook secret rotated: the old secret is refused and the new one accepted", async () => {
    const { vendor, account } = await flows().paymentVendor("wave");
    const old = String(account.waveWebhookSecret);
    expect((await waveSignedEvent(vendor.vendorId, old)).status).toBe(200);
    const rotated = `${old}_rotated`;
    await db.collection("payment_accounts").doc(vendor.vendorId).update({ waveWebhookSecret: rotated });
    await sleep(ACCOUNT_CHANGE_BOUND_MS);
    const refused = await waveSignedEvent(vendor.vendorId, old);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain("unverified_callback");
    expect((await waveSignedEvent(vendor.vendorId, rotated)).status).toBe(200);
  });

  it("an account removed: its callbacks are refused", async () => {
    const { vendor, account } = await flows().paymentVendor("wave");
    const secret = String(account.waveWebhookSecret);
    expect((await waveSignedEvent(vendor.vendorId, secret)).status).toBe(200);
    await db.collection("payment_accounts").doc(vendor.vendorId).delete();
    await sleep(ACCOUNT_CHANGE_BOUND_MS);
    const refused = await waveSignedEvent(vendor.vendorId, secret);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain("unverified_callback");
  });
});
