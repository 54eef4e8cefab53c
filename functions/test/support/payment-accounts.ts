// Payment accounts for the tests (no Firestore here: the unit tests use them too).
import { randomUUID } from "node:crypto";
import type { FakePayments } from "../../../scripts/lib/fake-payments.mjs";

export type ProviderName = "wave" | "paydunya" | "orange_money";
export const PROVIDER_NAMES: ProviderName[] = ["wave", "paydunya", "orange_money"];

/** A vendor's payment account at the fake provider, with fresh secrets. */
export function paymentAccount(
  provider: ProviderName,
  fake: FakePayments,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const tag = randomUUID().slice(0, 8);
  if (provider === "wave") {
    return {
      provider,
      waveApiKey: `wave_sn_prod_${tag}`,
      waveWebhookSecret: `wave_sn_WHS_${tag}`,
      waveApiUrl: fake.waveApiUrl,
      ...extra,
    };
  }
  if (provider === "paydunya") {
    return {
      provider,
      paydunyaMasterKey: `mk-${tag}`,
      paydunyaPrivateKey: `test_private_${tag}`,
      paydunyaToken: `tok-${tag}`,
      paydunyaApiUrl: fake.paydunyaApiUrl,
      ...extra,
    };
  }
  return {
    provider,
    orangeClientId: `om-client-${tag}`,
    orangeClientSecret: `om-cs-${tag}`,
    orangeMerchantCode: `${100000 + Math.floor(Math.random() * 899999)}`,
    orangeCallbackApiKey: `om-key-${tag}`,
    orangeWebhookSecret: `om-whs-${tag}`,
    orangeApiUrl: fake.orangeApiUrl,
    ...extra,
  };
}

/** The secret values of an account (what must never show in a log or an answer). */
export function accountSecrets(account: Record<string, unknown>): string[] {
  return Object.entries(account)
    .filter(([key]) => /Key|Secret|Token|ClientId/.test(key))
    .map(([, value]) => String(value));
}
