import { Timestamp } from "firebase-admin/firestore";
import type { CheckoutCreator, CheckoutOutcome, ReservationLink } from "../model/checkout-port";
import type { OrderDoc } from "../model/order";
import type { OrderCheckout, PaymentAccount } from "../model/payment-account";
import { logger } from "../shared/logger";
import { readPaymentAccountCached } from "../store/payment-accounts";
import { claimCheckout, readOrder, recordCheckout, releaseCheckoutClaim } from "../store/orders";
import { isProviderCheckoutUrl } from "./checkout-url";
import { ProviderCallError } from "./http";
import type { CreatedCheckout } from "./provider";
import { providerFor, providerNamed } from "./providers";

/** How long one run waits for the provider to create a checkout; then the order records a fallback. */
export const CHECKOUT_BUDGET_MS = 2_500;
/** How long after its creation a checkout without a callback is first asked about by the sweep. */
export const RECONCILE_AFTER_MS = 2 * 60_000;
/** A claim older than this belongs to a run that died: the next run may create the checkout. */
const CLAIM_STALE_MS = CHECKOUT_BUDGET_MS + 5_000;
/** How long a run that finds another one creating the checkout waits for it, polling the order. */
const WAIT_FOR_OTHER_MS = CHECKOUT_BUDGET_MS + 1_500;
const POLL_MS = 200;

export function paymentWebhookUrl(publicBaseUrl: string, provider: string, vendorId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/api/webhooks/payments/${provider}/${encodeURIComponent(vendorId)}`;
}

/** Our stable pay link for one order: Hosting sends `/pay/**` to the `payLink` function. */
export function payLinkUrl(publicBaseUrl: string, vendorId: string, reference: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/pay/${encodeURIComponent(vendorId)}/${reference}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The vendor's checkout, kept out of the reservation's transaction. At OUI the message gets our pay
 * link at once (no provider call, so the transaction never holds its stock shards for a provider);
 * after the commit, and again at the pay link if that step never finished, `ensure` creates the
 * order's checkout for its exact total, currency and reference. A claim on the order (one small
 * transaction) lets one run at a time call the provider, and a created checkout is never replaced:
 * redelivered and concurrent runs converge on one checkout.
 */
export class ProviderCheckoutCreator implements CheckoutCreator {
  constructor(
    private readonly publicBaseUrl: () => string,
    private readonly budgetMs = CHECKOUT_BUDGET_MS,
  ) {}

  /** PUBLIC_BASE_URL, or undefined: never a guessed site (a staging project must not hand out production links). */
  private base(): string | undefined {
    return this.publicBaseUrl().replace(/\/+$/, "") || undefined;
  }

  async linkFor(vendorId: string, reference: string, fallback: string): Promise<ReservationLink> {
    const base = this.base();
    return base && (await this.account(vendorId))
      ? { url: payLinkUrl(base, vendorId, reference), fallback }
      : { url: fallback };
  }

  async ensure(vendorId: string, reference: string): Promise<CheckoutOutcome> {
    // A plain read first: an unknown order, one no longer payable, one with its checkout (every probe
    // and every click but the first) or one another run is creating it for: no transaction.
    let order = await readOrder(vendorId, reference);
    if (!order) return { kind: "unknown" };
    const known = settledOutcome(order);
    if (known) return known;
    const waitUntil = Date.now() + WAIT_FOR_OTHER_MS;
    for (;;) {
      if (!claimHeld(order, Date.now())) {
        const claim = await claimCheckout(vendorId, reference, new Date(), CLAIM_STALE_MS);
        if (claim.kind === "unknown") return { kind: "unknown" };
        order = claim.order;
        const settled = settledOutcome(order);
        if (settled) return settled;
        if (claim.claimed) return this.createAndRecord(vendorId, reference, order);
      }
      // Another run is creating it: wait for its result, within bounds.
      if (Date.now() >= waitUntil) return fallbackOf(order, "the checkout is still being created");
      await sleep(POLL_MS);
      const now = await readOrder(vendorId, reference);
      if (!now) return { kind: "unknown" };
      if (now.checkout?.state === "created") return settledOutcome(now) ?? fallbackOf(now, "no checkout");
      if (now.checkout?.state === "fallback" && !now.checkoutClaimedAt)
        return fallbackOf(now, now.checkout.reason ?? "failed");
      order = now;
    }
  }

  private async account(vendorId: string): Promise<PaymentAccount | undefined> {
    const read = await readPaymentAccountCached(vendorId).catch((error: unknown) => {
      logger.warn("payment account not read; the link template is used", { vendorId, error: String(error) });
      return undefined;
    });
    if (!read?.found) return undefined;
    if (!read.valid) {
      logger.warn("payment account invalid; the link template is used", { vendorId, problems: read.problems });
      return undefined;
    }
    return read.account;
  }

  private async createAndRecord(vendorId: string, reference: string, order: OrderDoc): Promise<CheckoutOutcome> {
    const account = await this.account(vendorId);
    if (!account) {
      // The account went away (or broke) since the reservation: nothing to record, the template serves.
      await releaseCheckoutClaim(vendorId, reference);
      return fallbackOf(order, "no usable payment account");
    }
    const made = await this.create(vendorId, reference, order, account);
    const recorded = await recordCheckout(vendorId, reference, made);
    if (!recorded) return { kind: "unknown" };
    if (recorded.state === "created" && recorded.url) return { kind: "created", url: recorded.url };
    return fallbackOf(order, recorded.reason ?? "failed");
  }

  private async create(
    vendorId: string,
    reference: string,
    order: OrderDoc,
    account: PaymentAccount,
  ): Promise<OrderCheckout> {
    const base = this.base();
    if (!base) {
      logger.error("PUBLIC_BASE_URL is not set: no checkout without a callback URL", { vendorId, reference });
      return { provider: account.provider, state: "fallback", reason: "PUBLIC_BASE_URL is not set" };
    }
    try {
      const provider = providerFor(account);
      const made = await provider.createCheckout(
        account,
        {
          vendorId,
          reference,
          amount: order.total,
          currency: order.currency,
          customer: order.customer,
          expiresAt: order.expiresAt.toDate(),
          callbackUrl: paymentWebhookUrl(base, account.provider, vendorId),
          returnUrl: `${base}/?order=${reference}`,
        },
        AbortSignal.timeout(this.budgetMs),
      );
      const checkout = checkedCheckout(made, provider.checkoutHosts);
      logger.info("checkout created", { vendorId, reference, provider: account.provider, checkoutId: checkout.id });
      return {
        provider: account.provider,
        state: "created",
        id: checkout.id,
        url: checkout.url,
        // Orange Money has no lookup: only its callback can pay the order.
        ...(provider.lookup && { checkAfter: Timestamp.fromMillis(Date.now() + RECONCILE_AFTER_MS) }),
      };
    } catch (error) {
      const reason = error instanceof ProviderCallError ? error.message : "failed";
      logger.warn("checkout not created; the pay link leads to the link template", {
        vendorId,
        reference,
        provider: account.provider,
        reason,
      });
      return { provider: account.provider, state: "fallback", reason: `${account.provider} ${reason}` };
    }
  }
}

/** The provider's checkout, unless its URL is not on the provider's own https hosts (never stored nor used). */
function checkedCheckout(checkout: CreatedCheckout, hosts: readonly string[]): CreatedCheckout {
  if (isProviderCheckoutUrl(checkout.url, hosts)) return checkout;
  throw new ProviderCallError("answered a checkout URL off its own https hosts");
}

/** Whether another run holds a live claim on the order's checkout (then there is nothing to take). */
function claimHeld(order: OrderDoc, nowMs: number): boolean {
  return order.checkoutClaimedAt !== undefined && nowMs - order.checkoutClaimedAt.toMillis() < CLAIM_STALE_MS;
}

/** Where an order already settled sends the buyer: its checkout, or nowhere (not payable any more). */
function settledOutcome(order: OrderDoc): CheckoutOutcome | undefined {
  if (order.status !== "reserved") return { kind: "not_payable", status: order.status };
  const checkout = order.checkout;
  if (checkout?.state === "created" && checkout.url) {
    // Checked again at the redirect: a URL stored before the hosts were checked is not followed.
    const safe = isProviderCheckoutUrl(checkout.url, providerNamed(checkout.provider).checkoutHosts);
    return safe ? { kind: "created", url: checkout.url } : fallbackOf(order, "checkout URL off the provider's hosts");
  }
  // An order reserved without a pay link (no payment account then) has only the link its message carried.
  if (order.paymentFallback === undefined) return { kind: "fallback", url: order.paymentLink, reason: "no pay link" };
  return undefined;
}

function fallbackOf(order: OrderDoc, reason: string): CheckoutOutcome {
  return { kind: "fallback", url: order.paymentFallback ?? order.paymentLink, reason };
}
