import { z } from "zod";
import { header } from "../http/handler";
import type { PaydunyaAccount } from "../model/payment-account";
import { callProvider, ProviderCallError } from "./http";
import { badCallback, unauthenticated, type PaymentProvider, type VerifiedPayment } from "./provider";
import { constantTimeEquals, sha512Hex } from "../shared/crypto";

export const paydunyaCreateAnswerSchema = z.object({
  response_code: z.string(),
  response_text: z.string(),
  token: z.string().optional(),
});

/** `GET /checkout-invoice/confirm/{token}`: the only source a payment is trusted from. */
export const paydunyaConfirmSchema = z.object({
  response_code: z.string(),
  status: z.string().optional(),
  invoice: z
    .object({
      token: z.string().optional(),
      total_amount: z.union([z.number(), z.string()]).optional(),
    })
    .optional(),
  custom_data: z.record(z.string(), z.unknown()).nullish(),
});

/** The IPN as PayDunya posts it: form fields `data[...]`; only the hash and the token are used before the confirm. */
export const paydunyaIpnSchema = z.object({
  "data[hash]": z.string().min(1),
  "data[invoice][token]": z.string().min(1).max(200),
});

/** PayDunya's amounts are in XOF, its only currency. */
const PAYDUNYA_CURRENCY = "XOF";

const base = (account: PaydunyaAccount) => `${account.paydunyaApiUrl.replace(/\/+$/, "")}/v1/checkout-invoice`;
const keys = (account: PaydunyaAccount) => ({
  "paydunya-master-key": account.paydunyaMasterKey,
  "paydunya-private-key": account.paydunyaPrivateKey,
  "paydunya-token": account.paydunyaToken,
});

function paymentOfConfirm(token: string, confirm: z.infer<typeof paydunyaConfirmSchema>): VerifiedPayment | undefined {
  const reference = confirm.custom_data?.reference;
  if (typeof reference !== "string") return undefined;
  const total = Number(confirm.invoice?.total_amount);
  const vendorId = confirm.custom_data?.vendorId;
  const outcome: VerifiedPayment["outcome"] =
    confirm.status === "completed"
      ? "succeeded"
      : confirm.status === "cancelled" || confirm.status === "failed"
        ? "failed"
        : "pending";
  return {
    provider: "paydunya",
    reference,
    transactionId: token,
    outcome,
    ...(Number.isFinite(total) && { amount: total }),
    currency: PAYDUNYA_CURRENCY,
    ...(typeof vendorId === "string" && { vendorId }),
  };
}

async function confirm(account: PaydunyaAccount, token: string, signal: AbortSignal) {
  return callProvider({
    method: "GET",
    url: `${base(account)}/confirm/${encodeURIComponent(token)}`,
    headers: keys(account),
    schema: paydunyaConfirmSchema,
    signal,
  });
}

export const paydunya: PaymentProvider<PaydunyaAccount> = {
  name: "paydunya",
  checkoutHosts: ["paydunya.com"],

  async createCheckout(account, order, signal) {
    const answer = await callProvider({
      method: "POST",
      url: `${base(account)}/create`,
      headers: { ...keys(account), "content-type": "application/json" },
      body: JSON.stringify({
        invoice: { total_amount: order.amount, description: `Commande ${order.reference}` },
        store: { name: order.vendorId },
        actions: { callback_url: order.callbackUrl, return_url: order.returnUrl, cancel_url: order.returnUrl },
        custom_data: { reference: order.reference, vendorId: order.vendorId },
      }),
      schema: paydunyaCreateAnswerSchema,
      signal,
    });
    if (answer.response_code !== "00" || !answer.token) {
      throw new ProviderCallError(`refused the invoice (response_code ${answer.response_code})`);
    }
    return { id: answer.token, url: answer.response_text };
  },

  async verifyCallback(account, request, _now, signal) {
    const contentType = header(request, "content-type") ?? "";
    // No form, no data[hash] to check: unauthenticated, like any other unproven callback.
    if (!/application\/x-www-form-urlencoded/i.test(contentType)) {
      return unauthenticated(
        "missing_signature",
        "PayDunya's IPN is form-encoded (application/x-www-form-urlencoded).",
      );
    }
    const form = Object.fromEntries(new URLSearchParams((request.rawBody ?? Buffer.alloc(0)).toString("utf8")));
    const hash = form["data[hash]"];
    if (hash === undefined || hash === "") return unauthenticated("missing_signature", "The IPN has no data[hash].");
    // The hash is the same for every IPN of this account: it only says the sender knows the master key.
    if (!constantTimeEquals(hash.toLowerCase(), sha512Hex(account.paydunyaMasterKey))) {
      return unauthenticated("invalid_signature", "data[hash] does not match this vendor's PayDunya master key.");
    }
    const ipn = paydunyaIpnSchema.safeParse(form);
    if (!ipn.success) return badCallback("The IPN has no data[invoice][token].");
    const token = ipn.data["data[invoice][token]"];
    let confirmed: z.infer<typeof paydunyaConfirmSchema>;
    try {
      confirmed = await confirm(account, token, signal);
    } catch (error) {
      if (error instanceof ProviderCallError && error.status !== undefined && error.status < 500) {
        return {
          ok: false,
          status: 403,
          code: "unconfirmed_payment",
          message: "PayDunya does not confirm this invoice for this vendor.",
        };
      }
      throw error;
    }
    if (confirmed.response_code !== "00") {
      return {
        ok: false,
        status: 403,
        code: "unconfirmed_payment",
        message: "PayDunya does not confirm this invoice for this vendor.",
      };
    }
    const payment = paymentOfConfirm(token, confirmed);
    return { ok: true, event: `invoice.${confirmed.status ?? "unknown"}`, ...(payment && { payment }) };
  },

  async lookup(account, checkoutId, signal) {
    const confirmed = await confirm(account, checkoutId, signal);
    return confirmed.response_code === "00" ? paymentOfConfirm(checkoutId, confirmed) : undefined;
  },
};
