import { Timestamp } from "firebase-admin/firestore";
import type { CheckoutCreator, CheckoutLink, CheckoutRequest } from "../model/checkout-port";
import { logger } from "../shared/logger";
import { readPaymentAccountCached } from "../store/payment-accounts";
import { ProviderCallError } from "./http";
import { providerFor } from "./providers";

/** The reservation waits this long for the provider, at most; then the buyer gets the vendor's link template. */
export const CHECKOUT_BUDGET_MS = 2_500;
/** How long after its creation a checkout without a callback is first asked about by the sweep. */
export const RECONCILE_AFTER_MS = 2 * 60_000;
/** How long a created checkout is remembered here: a retried decision gets the same one, never a second. */
const MEMO_MS = 15 * 60_000;

export function paymentWebhookUrl(publicBaseUrl: string, provider: string, vendorId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/api/webhooks/payments/${provider}/${encodeURIComponent(vendorId)}`;
}

/**
 * Creates the order's checkout with the vendor's provider, within `CHECKOUT_BUDGET_MS`. Never throws:
 * no account, an unusable one, a provider slow, down or refusing all give the template link, and the
 * order records which it got. The decision's transaction may run again (contention): the reference is
 * the same across its attempts, so the memo hands back the checkout already made (or still being made)
 * instead of creating a second one.
 */
export class ProviderCheckoutCreator implements CheckoutCreator {
  private readonly memo = new Map<string, { at: number; created: Promise<CheckoutLink> }>();

  constructor(
    private readonly publicBaseUrl: () => string,
    private readonly budgetMs = CHECKOUT_BUDGET_MS,
  ) {}

  async linkFor(request: CheckoutRequest, fallback: string): Promise<CheckoutLink> {
    const read = await readPaymentAccountCached(request.vendorId).catch((error: unknown) => {
      logger.warn("payment account not read; the link template is used", {
        vendorId: request.vendorId,
        error: String(error),
      });
      return undefined;
    });
    if (!read?.found) return { url: fallback };
    if (!read.valid) {
      logger.warn("payment account invalid; the link template is used", {
        vendorId: request.vendorId,
        problems: read.problems,
      });
      return { url: fallback };
    }
    const account = read.account;
    const key = `${request.vendorId}/${request.reference}/${request.amount}/${request.currency}`;
    this.forget(Date.now());
    let entry = this.memo.get(key);
    if (!entry) {
      entry = { at: Date.now(), created: this.create(request, account) };
      this.memo.set(key, entry);
    }
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), this.budgetMs)));
    const created = await Promise.race([entry.created, budget]).finally(() => clearTimeout(timer));
    if (created === "late") {
      logger.warn("checkout not created in time; the link template is used", {
        vendorId: request.vendorId,
        reference: request.reference,
        provider: account.provider,
      });
      return {
        url: fallback,
        checkout: { provider: account.provider, state: "fallback", reason: `no answer within ${this.budgetMs} ms` },
      };
    }
    if (created.checkout?.state === "fallback") return { ...created, url: fallback };
    return created;
  }

  private async create(request: CheckoutRequest, account: Parameters<typeof providerFor>[0]): Promise<CheckoutLink> {
    const provider = providerFor(account);
    const base = this.publicBaseUrl() || "https://livepay.tech";
    try {
      const checkout = await provider.createCheckout(
        account,
        {
          ...request,
          callbackUrl: paymentWebhookUrl(base, account.provider, request.vendorId),
          returnUrl: `${base.replace(/\/+$/, "")}/?order=${request.reference}`,
        },
        AbortSignal.timeout(this.budgetMs),
      );
      logger.info("checkout created", {
        vendorId: request.vendorId,
        reference: request.reference,
        provider: account.provider,
        checkoutId: checkout.id,
      });
      return {
        url: checkout.url,
        checkout: {
          provider: account.provider,
          state: "created",
          id: checkout.id,
          url: checkout.url,
          // Orange Money has no lookup: only its callback can pay the order.
          ...(provider.lookup && { checkAfter: Timestamp.fromMillis(Date.now() + RECONCILE_AFTER_MS) }),
        },
      };
    } catch (error) {
      const reason = error instanceof ProviderCallError ? error.message : "failed";
      logger.warn("checkout not created; the link template is used", {
        vendorId: request.vendorId,
        reference: request.reference,
        provider: account.provider,
        reason,
      });
      return {
        url: "",
        checkout: { provider: account.provider, state: "fallback", reason: `${account.provider} ${reason}` },
      };
    }
  }

  private forget(now: number): void {
    for (const [key, entry] of this.memo) if (now - entry.at > MEMO_MS) this.memo.delete(key);
  }
}
