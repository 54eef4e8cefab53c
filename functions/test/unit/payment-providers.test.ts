import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePayments, type FakePayments } from "../../../scripts/lib/fake-payments.mjs";
import type { WebhookRequest } from "../../src/http/handler";
import { paymentAccountSchema, type PaymentAccount } from "../../src/model/payment-account";
import { ProviderCallError } from "../../src/payments/http";
import type { CheckoutContext } from "../../src/payments/provider";
import { providerFor } from "../../src/payments/providers";
import { accountSecrets, paymentAccount, PROVIDER_NAMES } from "../support/payment-accounts";

// Each provider's checkout, callback verification and lookup against the fake providers, which follow
// the shapes of the shared payment notes (no Firestore here).

let fake: FakePayments;
beforeAll(async () => {
  fake = await startFakePayments();
});
afterAll(() => fake.close());

const order = (reference: string): CheckoutContext => ({
  vendorId: "vendor_unit",
  reference,
  amount: 75000,
  currency: "XOF",
  customer: "+221771234567",
  expiresAt: new Date(Date.now() + 600_000),
  callbackUrl: "http://127.0.0.1:1/api/webhooks/payments/x/vendor_unit",
  returnUrl: "https://livepay.tech/?order=" + reference,
});

const asRequest = (callback: { headers: Record<string, string>; body: string }): WebhookRequest => ({
  method: "POST",
  path: "/",
  headers: callback.headers,
  rawBody: Buffer.from(callback.body),
});

describe.each(PROVIDER_NAMES)("%s against its fake", (name) => {
  it("creates a checkout for the exact amount and reference, verifies the paid callback, and looks it up", async () => {
    const raw = paymentAccount(name, fake);
    fake.addAccount("vendor_unit", raw, "http://127.0.0.1:1/unused");
    const account: PaymentAccount = paymentAccountSchema.parse(raw);
    const provider = providerFor(account);
    const reference = `CMD-${name === "wave" ? "WWWWW2" : name === "paydunya" ? "PPPPP2" : "MMMMM2"}`;
    const created = await provider.createCheckout(account, order(reference), AbortSignal.timeout(2000));
    const checkout = fake.find(reference, "vendor_unit");
    expect(created).toEqual({ id: checkout.id, url: checkout.url });
    expect(checkout).toMatchObject({ amount: 75000, currency: "XOF", reference });
    if (name === "orange_money") expect(checkout.validity).toBeGreaterThan(500);

    const signal = () => AbortSignal.timeout(2000);
    if (provider.lookup) {
      expect(await provider.lookup(account, created.id, signal())).toMatchObject({ outcome: "pending" });
    }
    await fake.pay(reference, { times: 0, vendorId: "vendor_unit" });
    const check = await provider.verifyCallback(account, asRequest(fake.callbackFor(checkout)), new Date(), signal());
    expect(check).toMatchObject({
      ok: true,
      payment: { provider: name, reference, outcome: "succeeded", amount: 75000, currency: "XOF" },
    });
    if (provider.lookup) {
      expect(await provider.lookup(account, created.id, AbortSignal.timeout(2000))).toMatchObject({
        reference,
        outcome: "succeeded",
        amount: 75000,
      });
    }
    const forgedRequest = asRequest(fake.callbackFor(checkout, { secret: "forged" }));
    const forged = await provider.verifyCallback(account, forgedRequest, new Date(), signal());
    expect(forged).toMatchObject({ ok: false, status: 401 });
  });

  it("reports a provider that is down or too slow as a ProviderCallError, without its keys", async () => {
    const raw = paymentAccount(name, fake);
    fake.addAccount("vendor_unit", raw, "http://127.0.0.1:1/unused");
    const account = paymentAccountSchema.parse(raw);
    fake.injectFault({ provider: name, httpStatus: 503 });
    const attempt = (reference: string, ms: number) =>
      providerFor(account)
        .createCheckout(account, order(reference), AbortSignal.timeout(ms))
        .catch((error: unknown) => error);
    const down = await attempt("CMD-DDDDD2", 2000);
    expect(down).toBeInstanceOf(ProviderCallError);
    expect((down as Error).message).toBe("answered HTTP 503");
    fake.injectFault({ provider: name, hang: true, delayMs: 2000 });
    const slow = await attempt("CMD-SSSSS2", 200);
    expect((slow as Error).message).toBe("no answer in time");
    const said = JSON.stringify([down, slow, (down as Error).message, (slow as Error).message]);
    for (const secret of accountSecrets(raw)) expect(said).not.toContain(secret);
  });
});
