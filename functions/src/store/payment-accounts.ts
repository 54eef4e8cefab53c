import { describeIssues } from "../model/common";
import { paymentAccountSchema, type PaymentAccount } from "../model/payment-account";
import { firestore } from "../shared/firestore";

import { PAYMENT_ACCOUNTS } from "./collections";

/** `payment_accounts/{vendorId}`: server-only (the rules let no client read it), one per vendor. */
export { PAYMENT_ACCOUNTS };

export type PaymentAccountRead =
  | { found: false }
  | { found: true; valid: true; account: PaymentAccount }
  | { found: true; valid: false; problems: string[] };

/** Accounts change rarely; a webhook burst or a live's reservations read each one once per this. */
const CACHE_MS = 30_000;
const cache = new Map<string, { read: PaymentAccountRead; at: number }>();

export function checkPaymentAccount(raw: unknown): PaymentAccountRead {
  if (raw === undefined) return { found: false };
  const parsed = paymentAccountSchema.safeParse(raw);
  // The problems name fields, never their values: the document holds secrets.
  return parsed.success
    ? { found: true, valid: true, account: parsed.data }
    : {
        found: true,
        valid: false,
        problems: describeIssues(parsed.error),
      };
}

export async function readPaymentAccount(vendorId: string): Promise<PaymentAccountRead> {
  const snap = await firestore().collection(PAYMENT_ACCOUNTS).doc(vendorId).get();
  return checkPaymentAccount(snap.exists ? snap.data() : undefined);
}

/** The same through this instance's short cache. */
export async function readPaymentAccountCached(vendorId: string, now = Date.now()): Promise<PaymentAccountRead> {
  const hit = cache.get(vendorId);
  if (hit && now - hit.at < CACHE_MS) return hit.read;
  const read = await readPaymentAccount(vendorId);
  cache.set(vendorId, { read, at: now });
  return read;
}
