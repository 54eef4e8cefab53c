import type { FakePayments } from "../../../scripts/lib/fake-payments.mjs";
import { adminDb, HOSTING_URL } from "./emulators";

export { accountSecrets, paymentAccount, PROVIDER_NAMES, type ProviderName } from "./payment-accounts";

export function paymentWebhookUrl(provider: string, vendorId: string): string {
  return `${HOSTING_URL}/api/webhooks/payments/${provider}/${vendorId}`;
}

/** Gives the vendor the account (payment_accounts/{vendorId}) and registers it at the fake provider. */
export async function givePaymentAccount(
  vendorId: string,
  account: Record<string, unknown>,
  fake: FakePayments,
): Promise<void> {
  await adminDb().collection("payment_accounts").doc(vendorId).set(account);
  fake.addAccount(vendorId, account, paymentWebhookUrl(String(account.provider), vendorId));
}
