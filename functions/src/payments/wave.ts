import { z } from "zod";
import { header } from "../http/handler";
import type { WaveAccount } from "../model/payment-account";
import { callProvider } from "./http";
import { badCallback, unauthenticated, type PaymentProvider, type VerifiedPayment } from "./provider";
import { verifyAuthorization, verifyTimestampedHmac } from "./signatures";

/** Wave's checkout session (the create answer, the lookup, and a webhook event's `data`). */
export const waveSessionSchema = z.object({
  id: z.string().min(1).max(200),
  amount: z.string().max(30).optional(),
  currency: z.string().max(10).optional(),
  checkout_status: z.string().optional(),
  payment_status: z.string().nullish(),
  transaction_id: z.string().max(200).nullish(),
  wave_launch_url: z.string().optional(),
  when_expires: z.string().optional(),
  client_reference: z.string().max(255).nullish(),
});
export type WaveSession = z.infer<typeof waveSessionSchema>;

export const waveEventSchema = z.object({ id: z.string().min(1), type: z.string().min(1), data: z.unknown() });

export const WAVE_SIGNATURE_HEADER = "wave-signature";

/** Wave's amount is a decimal string; XOF has no decimals, so only whole numbers are accepted as a payment. */
function amountOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+(\.0+)?$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

export function paymentOfSession(
  session: WaveSession,
  outcome: VerifiedPayment["outcome"],
): VerifiedPayment | undefined {
  if (!session.client_reference) return undefined;
  const amount = amountOf(session.amount);
  return {
    provider: "wave",
    reference: session.client_reference,
    transactionId: session.transaction_id ?? session.id,
    checkoutId: session.id,
    outcome,
    ...(amount !== undefined && { amount }),
    ...(session.currency && { currency: session.currency }),
  };
}

function outcomeOfSession(session: WaveSession): VerifiedPayment["outcome"] {
  if (session.payment_status === "succeeded" || session.checkout_status === "complete") return "succeeded";
  if (session.payment_status === "cancelled" || session.checkout_status === "expired") return "failed";
  return "pending";
}

// A Map, not an object: an event type such as "constructor" must not find Object.prototype's members.
const CALLBACK_EVENTS = new Map<string, VerifiedPayment["outcome"]>([
  ["checkout.session.completed", "succeeded"],
  ["checkout.session.payment_failed", "failed"],
]);

export const wave: PaymentProvider<WaveAccount> = {
  name: "wave",
  checkoutHosts: ["wave.com"],

  async createCheckout(account, order, signal) {
    const session = await callProvider({
      method: "POST",
      url: `${account.waveApiUrl.replace(/\/+$/, "")}/v1/checkout/sessions`,
      headers: { authorization: `Bearer ${account.waveApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        amount: String(order.amount),
        currency: order.currency,
        success_url: order.returnUrl,
        error_url: order.returnUrl,
        client_reference: order.reference,
      }),
      schema: waveSessionSchema.extend({ wave_launch_url: z.string().min(1) }),
      signal,
    });
    return { id: session.id, url: session.wave_launch_url };
  },

  verifyCallback(account, request, now) {
    const rawBody = request.rawBody ?? Buffer.alloc(0);
    const verdict =
      account.waveWebhookScheme === "bearer"
        ? verifyAuthorization(header(request, "authorization"), "Bearer", account.waveWebhookSecret)
        : verifyTimestampedHmac(
            header(request, WAVE_SIGNATURE_HEADER),
            account.waveWebhookSecret,
            rawBody,
            "",
            Math.floor(now.getTime() / 1000),
          );
    if (!verdict.ok) return Promise.resolve(unauthenticated(verdict.code, verdict.message));
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString("utf8"));
    } catch {
      return Promise.resolve(badCallback("The body is not valid JSON."));
    }
    const event = waveEventSchema.safeParse(json);
    if (!event.success) return Promise.resolve(badCallback("The body is not a Wave event: { id, type, data }."));
    const outcome = CALLBACK_EVENTS.get(event.data.type);
    if (!outcome) return Promise.resolve({ ok: true, event: event.data.type });
    const session = waveSessionSchema.safeParse(event.data.data);
    if (!session.success) return Promise.resolve(badCallback("The event's data is not a Wave checkout session."));
    return Promise.resolve({ ok: true, event: event.data.type, payment: paymentOfSession(session.data, outcome) });
  },

  async lookup(account, checkoutId, signal) {
    const session = await callProvider({
      method: "GET",
      url: `${account.waveApiUrl.replace(/\/+$/, "")}/v1/checkout/sessions/${encodeURIComponent(checkoutId)}`,
      headers: { authorization: `Bearer ${account.waveApiKey}` },
      schema: waveSessionSchema,
      signal,
    });
    return paymentOfSession(session, outcomeOfSession(session));
  },
};
