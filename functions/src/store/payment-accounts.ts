import { LRUCache } from "lru-cache";
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

/**
 * How long a read (found, absent or invalid) serves, counted from when the read began: an account
 * added, rotated or removed takes effect within 5 s on every instance, with no invalidation to send.
 */
export const PAYMENT_ACCOUNT_TTL_MS = 4_000;
/** Vendor ids come from public URLs before any authentication: the cache must not grow with them. */
export const PAYMENT_ACCOUNT_CACHE_MAX = 2_000;

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

// Only this instance's memory, never Redis: the documents hold API keys and webhook secrets.
const cache = new LRUCache<string, PaymentAccountRead>({
  max: PAYMENT_ACCOUNT_CACHE_MAX,
  ttl: PAYMENT_ACCOUNT_TTL_MS,
  // Concurrent misses for one vendor (a webhook burst, a live's reservations) share one read.
  fetchMethod: async (vendorId, _stale, { options }) => {
    const startedAt = performance.now();
    const read = await readPaymentAccount(vendorId);
    // The entry's life counts from the read's start, so a slow read cannot stretch the 5 s bound.
    options.ttl = Math.max(1, PAYMENT_ACCOUNT_TTL_MS - Math.ceil(performance.now() - startedAt));
    return read;
  },
});

/** The same through this instance's bounded, short-lived cache (webhook, checkout creator, reconciliation). */
export async function readPaymentAccountCached(vendorId: string): Promise<PaymentAccountRead> {
  const read = await cache.fetch(vendorId);
  // fetchMethod always resolves to a read or throws; undefined only if the fetch were aborted.
  return read ?? readPaymentAccount(vendorId);
}
