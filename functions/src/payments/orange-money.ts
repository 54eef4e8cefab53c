import { z } from "zod";
import { header } from "../http/handler";
import type { OrangeMoneyAccount } from "../model/payment-account";
import { callProvider, ProviderCallError } from "./http";
import { badCallback, unauthenticated, type PaymentProvider, type VerifiedPayment } from "./provider";
import { verifyAuthorization, verifyTimestampedHmac } from "./signatures";

export const ORANGE_SIGNATURE_HEADER = "x-sonatel-signature";

export const orangeTokenSchema = z.object({ access_token: z.string().min(1) });
export const orangeQrCodeSchema = z.object({
  deepLinks: z.object({ MAXIT: z.string().optional(), OM: z.string().optional() }).optional(),
  deepLink: z.string().optional(),
  qrCode: z.string().optional(),
});

/** The merchant callback (third-party code only: see payments.md). */
export const orangeCallbackSchema = z.object({
  transactionId: z.string().min(1).max(200),
  status: z.string().min(1),
  reference: z.string().min(1).max(200),
  amount: z.object({ value: z.union([z.number(), z.string().max(30)]), unit: z.string().min(1).max(10) }),
});

const OUTCOMES = new Map<string, VerifiedPayment["outcome"]>([
  ["SUCCESS", "succeeded"],
  ["FAILED", "failed"],
  ["CANCELLED", "failed"],
  ["REJECTED", "failed"],
]);

const apiBase = (account: OrangeMoneyAccount) => account.orangeApiUrl.replace(/\/+$/, "");

/** How long the QR code stays valid, in seconds: the reservation's remaining time (at least a minute). */
function validityOf(expiresAt: Date): number {
  return Math.max(60, Math.round((expiresAt.getTime() - Date.now()) / 1000));
}

export const orangeMoney: PaymentProvider<OrangeMoneyAccount> = {
  name: "orange_money",
  checkoutHosts: ["orange-sonatel.com"],

  async createCheckout(account, order, signal) {
    const basic = Buffer.from(`${account.orangeClientId}:${account.orangeClientSecret}`).toString("base64");
    const token = await callProvider({
      method: "POST",
      url: `${apiBase(account)}/oauth/token`,
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
      schema: orangeTokenSchema,
      signal,
    });
    const qr = await callProvider({
      method: "POST",
      url: `${apiBase(account)}/api/eWallet/v4/qrcode`,
      headers: { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({
        code: account.orangeMerchantCode,
        name: order.vendorId,
        amount: { unit: order.currency, value: order.amount },
        reference: order.reference,
        metadata: { reference: order.reference, vendorId: order.vendorId },
        validity: validityOf(order.expiresAt),
      }),
      schema: orangeQrCodeSchema,
      signal,
    });
    // Only an https link: an app scheme (maxit://) opens whichever app claims it, not a page we can check.
    const url = [qr.deepLinks?.OM, qr.deepLink, qr.deepLinks?.MAXIT].find((link) => link?.startsWith("https://"));
    if (!url) throw new ProviderCallError("answered without an https deep link");
    return { id: order.reference, url };
  },

  verifyCallback(account, request, now) {
    const rawBody = request.rawBody ?? Buffer.alloc(0);
    const key = verifyAuthorization(header(request, "authorization"), "Basic", account.orangeCallbackApiKey);
    if (!key.ok) return Promise.resolve(unauthenticated(key.code, key.message));
    const signature = header(request, ORANGE_SIGNATURE_HEADER);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const signed = verifyTimestampedHmac(signature, account.orangeWebhookSecret, rawBody, ",", nowSeconds);
    if (!signed.ok) return Promise.resolve(unauthenticated(signed.code, signed.message));
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString("utf8"));
    } catch {
      return Promise.resolve(badCallback("The body is not valid JSON."));
    }
    const callback = orangeCallbackSchema.safeParse(json);
    if (!callback.success) {
      const shape = "{ transactionId, status, reference, amount }";
      return Promise.resolve(badCallback(`The body is not an Orange Money callback: ${shape}.`));
    }
    const { transactionId, status, reference, amount } = callback.data;
    const outcome = OUTCOMES.get(status.toUpperCase()) ?? "pending";
    const value = Number(amount.value);
    return Promise.resolve({
      ok: true,
      event: status,
      payment: {
        provider: "orange_money",
        reference,
        transactionId,
        outcome,
        ...(Number.isFinite(value) && { amount: value }),
        currency: amount.unit,
      },
    });
  },
};
