// A buyer's way through a payment, shared by the payment test files: a vendor with an account at the
// fake provider, a chat over the fake Wasender, a reservation, and a click on its pay link.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { FakePayments } from "../../../scripts/lib/fake-payments.mjs";
import type { FakeSend, FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { adminDb, createVendor, postWebhook, type TestVendor } from "./emulators";
import { messagesReceived } from "./payloads";
import { givePaymentAccount, paymentAccount, type ProviderName } from "./payments";

export const HOSTING = "http://127.0.0.1:5000";
export const TEMPLATE = "https://pay.wave.com/m/M_sn_awa?amount={amount}";

export const payLinkOf = (vendorId: string, reference: string) => `${HOSTING}/pay/${vendorId}/${reference}`;
export const ordersOf = (vendorId: string) => adminDb().collection("vendors").doc(vendorId).collection("orders");
export const ledgerOf = (vendorId: string) => adminDb().collection("vendors").doc(vendorId).collection("payments");

/** A client address of its own (the documentation prefix), as Firebase Hosting passes it on. */
export function buyerAddress(): string {
  return `2001:db8::${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}`;
}

/**
 * Opens a pay link as a buyer's browser would, without following the redirect: its status and target.
 * Each click comes from an address of its own unless `from` is given (the pay link is rate limited).
 */
export async function click(
  link: string,
  from = buyerAddress(),
): Promise<{ status: number; location: string | null; text: string; retryAfter: string | null }> {
  const res = await fetch(link, { redirect: "manual", headers: { "fastly-client-ip": from } });
  return {
    status: res.status,
    location: res.headers.get("location"),
    text: await res.text(),
    retryAfter: res.headers.get("retry-after"),
  };
}

export const phone = (() => {
  let n = 0;
  return () => `+2217790${String(Date.now() % 10_000).padStart(4, "0")}${String(n++ % 10)}`;
})();

export function paymentFlows(wasender: FakeWasender, payments: FakePayments) {
  /** A vendor selling robes, with the link template, without a payment account yet. */
  const shopVendor = () =>
    createVendor(adminDb(), {
      apiUrl: wasender.apiUrl,
      config: { businessName: "Awa Couture", paymentLinkTemplate: TEMPLATE },
      products: {
        robe1: { keyword: "ROBE1", name: "Robe wax Ndeye", price: 15000, currency: "XOF", stock: 20, active: true },
      },
    });

  async function paymentVendor(provider: ProviderName) {
    const vendor = await shopVendor();
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
  async function reserveOnly(vendor: TestVendor, customer: string) {
    const buyer = chat(vendor, customer);
    await buyer.say("ROBE1 x2");
    const [reserved] = await buyer.say("OUI");
    const reference = /\*(CMD-[A-Z0-9]{6})\*/.exec(reserved!)?.[1];
    expect(reference, reserved).toBeDefined();
    return { buyer, reserved: reserved!, reference: reference! };
  }

  /**
   * Two robes reserved: the reservation text, its reference and its pay link. `open`: the buyer opens
   * the link, which must redirect to the order's checkout (created by then, or at this click).
   */
  async function reserve(vendor: TestVendor, customer: string, { open = true } = {}) {
    const { buyer, reserved, reference } = await reserveOnly(vendor, customer);
    const link = payLinkOf(vendor.vendorId, reference);
    expect(reserved).toContain(link);
    if (open) {
      const opened = await click(link);
      expect(opened.status, opened.text).toBe(302);
      expect(opened.location).toBe(payments.find(reference, vendor.vendorId).url);
    }
    return { buyer, reserved, reference, link };
  }

  return { shopVendor, paymentVendor, chat, reserveOnly, reserve };
}
