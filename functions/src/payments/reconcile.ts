import type { DocumentReference } from "firebase-admin/firestore";
import type { OutboundDeps } from "../outbound/dispatch";
import { logger } from "../shared/logger";
import { checkoutsDue, parseOrder, setCheckoutCheck } from "../store/orders";
import { readPaymentAccountCached } from "../store/payment-accounts";
import { applyPayment, type PaymentOutcome } from "./apply-payment";
import { providerFor } from "./providers";

/** How many checkouts one sweep asks about; the next sweep takes the rest. */
const RECONCILE_BATCH = 50;
/** Between two checks of the same checkout while it stays unpaid. */
export const RECHECK_MS = 2 * 60_000;
const LOOKUP_BUDGET_MS = 5_000;

/**
 * Asks the provider about reserved orders whose checkout had no callback for a while (Wave's session,
 * PayDunya's confirm), and applies what it says exactly as a callback would: a lost callback still ends
 * paid. Runs in the scheduled sweep before the expiry, so an order paid in its last minutes is not expired.
 */
export async function reconcileCheckouts(
  now: Date,
  deps: Pick<OutboundDeps, "scheduler">,
): Promise<Record<string, number>> {
  const due = await checkoutsDue(now, RECONCILE_BATCH);
  const tally: Record<string, number> = {};
  for (const ref of due) {
    const vendorId = ref.parent.parent!.id;
    let outcome: PaymentOutcome | "unchecked" = "unchecked";
    try {
      outcome = await reconcileOne(vendorId, ref, now, deps);
    } catch (error) {
      // One provider down must not hold the other vendors' checks.
      logger.warn("checkout not reconciled", {
        order: ref.path,
        error: error instanceof Error ? error.message : String(error),
      });
      await setCheckoutCheck(ref, new Date(now.getTime() + RECHECK_MS)).catch(() => undefined);
    }
    tally[outcome] = (tally[outcome] ?? 0) + 1;
  }
  if (due.length > 0) logger.info("checkouts reconciled", { due: due.length, ...tally });
  return tally;
}

async function reconcileOne(
  vendorId: string,
  ref: DocumentReference,
  now: Date,
  deps: Pick<OutboundDeps, "scheduler">,
): Promise<PaymentOutcome | "unchecked"> {
  const order = parseOrder((await ref.get()).data());
  const read = await readPaymentAccountCached(vendorId);
  const checkoutId = order.checkout?.id;
  const account = read.found && read.valid ? read.account : undefined;
  const provider = account ? providerFor(account) : undefined;
  if (!account || !provider?.lookup || !checkoutId || order.checkout?.provider !== account.provider) {
    await setCheckoutCheck(ref, undefined);
    return "unchecked";
  }
  const payment = await provider.lookup(account, checkoutId, AbortSignal.timeout(LOOKUP_BUDGET_MS));
  // Only a session that names this very order may pay it.
  if (!payment || payment.reference !== ref.id) {
    await setCheckoutCheck(ref, new Date(now.getTime() + RECHECK_MS));
    return "pending";
  }
  const outcome = await applyPayment(vendorId, payment, deps);
  // Anything but a payment still pending ends the checks (a failure, a mismatch: flagged already).
  const next = payment.outcome === "pending" ? new Date(now.getTime() + RECHECK_MS) : undefined;
  if (outcome !== "paid") await setCheckoutCheck(ref, next);
  return outcome;
}
