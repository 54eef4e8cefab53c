import { z } from "zod";

/**
 * `payment_accounts/{vendorId}` (server-only): the vendor's mobile-money account, one provider each.
 * Secrets live here and nowhere else; nothing of this document is ever logged or answered.
 */
const url = z.url({ protocol: /^https?$/ });

export const waveAccountSchema = z.object({
  provider: z.literal("wave"),
  waveApiKey: z.string().min(1),
  waveWebhookSecret: z.string().min(1),
  /** "signature": the `Wave-Signature` HMAC (Wave's default); "bearer": `Authorization: Bearer <secret>`. */
  waveWebhookScheme: z.enum(["signature", "bearer"]).default("signature"),
  waveApiUrl: url.default("https://api.wave.com"),
});

export const paydunyaAccountSchema = z.object({
  provider: z.literal("paydunya"),
  paydunyaMasterKey: z.string().min(1),
  paydunyaPrivateKey: z.string().min(1),
  paydunyaToken: z.string().min(1),
  /** Up to and without `/v1`: the live API by default, `.../sandbox-api` for tests. */
  paydunyaApiUrl: url.default("https://app.paydunya.com/api"),
});

export const orangeMoneyAccountSchema = z.object({
  provider: z.literal("orange_money"),
  orangeClientId: z.string().min(1),
  orangeClientSecret: z.string().min(1),
  orangeMerchantCode: z.string().min(1),
  orangeCallbackApiKey: z.string().min(1),
  orangeWebhookSecret: z.string().min(1),
  orangeApiUrl: url.default("https://api.orange-sonatel.com"),
});

export const paymentAccountSchema = z.discriminatedUnion("provider", [
  waveAccountSchema,
  paydunyaAccountSchema,
  orangeMoneyAccountSchema,
]);
export type PaymentAccount = z.infer<typeof paymentAccountSchema>;
export type WaveAccount = z.infer<typeof waveAccountSchema>;
export type PaydunyaAccount = z.infer<typeof paydunyaAccountSchema>;
export type OrangeMoneyAccount = z.infer<typeof orangeMoneyAccountSchema>;
export type PaymentProviderName = PaymentAccount["provider"];
export const PAYMENT_PROVIDERS: readonly PaymentProviderName[] = ["wave", "paydunya", "orange_money"];

/** The checkout an order got after its reservation, or why its pay link leads to the vendor's link template. */
export const orderCheckoutSchema = z.object({
  provider: z.enum(["wave", "paydunya", "orange_money"]),
  /** "created": the pay link leads to the checkout; "fallback": the provider failed, it leads to the template. */
  state: z.enum(["created", "fallback"]),
  /** Wave's session id, PayDunya's invoice token, Orange Money's reference. */
  id: z.string().optional(),
  url: z.string().optional(),
  reason: z.string().optional(),
  /** When the sweep next asks the provider about it, while no callback came (reconciliation). */
  checkAfter: z.unknown().optional(),
});
export type OrderCheckout = z.infer<typeof orderCheckoutSchema>;

/** A verified payment as recorded on its order. */
export const orderPaymentSchema = z.object({
  provider: z.enum(["wave", "paydunya", "orange_money"]),
  transactionId: z.string(),
  amount: z.number(),
  currency: z.string(),
  paidAt: z.unknown(),
});
