import { admit, pass, refuse, type Step, type WebhookDoor } from "../http/admission";
import { errorResponse, type WebhookRequest, type WebhookResponse } from "../http/handler";
import { documentIdIn, segmentsAfter } from "../http/paths";
import type { OutboundDeps } from "../outbound/dispatch";
import { logger } from "../shared/logger";
import { readPaymentAccountCached } from "../store/payment-accounts";
import { applyPayment } from "./apply-payment";
import { ProviderCallError } from "./http";
import type { VerifiedPayment } from "./provider";
import { isPaymentProviderName, providerFor } from "./providers";

const HOSTING_PREFIX = "/api/webhooks/payments";
/** A provider's confirmation call (PayDunya) ends by then; the provider retries its callback later. */
const CONFIRM_BUDGET_MS = 5_000;

/**
 * The one answer to a callback that is not verified for this URL: unknown vendor, no account with
 * this provider, an invalid account, a missing, wrong or stale signature. The real reason is logged.
 */
export const unverified = (): WebhookResponse =>
  errorResponse(401, "unverified_callback", "The callback could not be verified for this URL.");

export interface PaymentWebhookDeps extends Pick<OutboundDeps, "scheduler"> {
  now?: () => Date;
}

/** `{provider}/{vendorId}` from `/api/webhooks/payments/{provider}/{vendorId}`, or the function's own URL. */
export function parsePaymentPath(path: string): { ok: true; provider: string; vendorId: string } | { ok: false } {
  const [provider, rawVendorId, ...extra] = segmentsAfter(path, HOSTING_PREFIX);
  const vendorId = documentIdIn(rawVendorId);
  if (!provider || !isPaymentProviderName(provider) || !vendorId || extra.length > 0) return { ok: false };
  return { ok: true, provider, vendorId };
}

interface PaymentTarget {
  provider: string;
  vendorId: string;
}

/** A callback verified with the vendor's own account: what it says, and the payment when it changes one. */
interface VerifiedCallback {
  event: string;
  payment?: VerifiedPayment;
}

function route(path: string): Step<PaymentTarget> {
  const target = parsePaymentPath(path);
  if (target.ok) return pass({ provider: target.provider, vendorId: target.vendorId });
  const expected = "POST /api/webhooks/payments/{provider}/{vendorId}";
  return refuse(errorResponse(404, "not_found", `No payment webhook here: ${expected}.`));
}

/**
 * The payment provider's gate: the vendor's account with the provider the URL names, then the
 * provider's own verification of the callback (its signature over the raw bytes, its body, and for
 * PayDunya a confirmation by PayDunya, within CONFIRM_BUDGET_MS).
 */
async function authenticate(
  { provider, vendorId }: PaymentTarget,
  request: WebhookRequest,
  now: Date,
): Promise<Step<VerifiedCallback>> {
  const read = await readPaymentAccountCached(vendorId);
  if (!read.found || !read.valid || read.account.provider !== provider) {
    const why = !read.found ? "no_payment_account" : !read.valid ? "invalid_payment_account" : "other_provider";
    logger.warn("payment callback refused", {
      vendorId,
      provider,
      reason: why,
      // Field names only, never values: the document holds secrets.
      ...(read.found && !read.valid && { problems: read.problems }),
    });
    return refuse(unverified());
  }
  const account = read.account;
  let check;
  try {
    check = await providerFor(account).verifyCallback(account, request, now, AbortSignal.timeout(CONFIRM_BUDGET_MS));
  } catch (error) {
    if (!(error instanceof ProviderCallError)) throw error;
    logger.warn("payment callback not confirmed: the provider did not answer", {
      vendorId,
      provider,
      reason: error.message,
    });
    const message = `${provider} did not confirm the payment in time; send the callback again later.`;
    return refuse(errorResponse(502, "provider_unavailable", message));
  }
  if (!check.ok) {
    logger.warn("payment callback refused", { vendorId, provider, reason: check.code });
    // Before authentication, one answer whatever failed: nothing tells which vendors have which account.
    return refuse(check.status === 401 ? unverified() : errorResponse(check.status, check.code, check.message));
  }
  return pass({ event: check.event, ...(check.payment && { payment: check.payment }) });
}

/**
 * `POST /api/webhooks/payments/{wave|paydunya|orange_money}/{vendorId}`: a provider's payment callback.
 * Nothing is written before the callback is verified with the vendor's own account (and, for PayDunya,
 * confirmed by PayDunya); a verified payment is then applied to its order once.
 */
export async function handlePaymentWebhook(
  request: WebhookRequest,
  deps: PaymentWebhookDeps,
): Promise<WebhookResponse> {
  const door: WebhookDoor<PaymentTarget, VerifiedCallback> = {
    route,
    authenticate: (target, callback) => authenticate(target, callback, deps.now?.() ?? new Date()),
  };
  const admitted = await admit(request, door);
  if (!admitted.ok) return admitted.response;
  const { target, sender: check } = admitted.value;
  const { vendorId } = target;
  if (!check.payment)
    return {
      status: 200,
      body: { ok: true, event: check.event, ignored: "this event does not change a payment" },
    };
  const outcome = await applyPayment(vendorId, check.payment, deps);
  if (outcome === "checkout_mismatch") {
    const message = "This payment is of another checkout than the order's own; nothing was changed.";
    return errorResponse(409, "checkout_mismatch", message);
  }
  if (outcome === "vendor_mismatch") {
    const message = "The provider made this checkout for another vendor; nothing was changed.";
    return errorResponse(403, "vendor_mismatch", message);
  }
  return { status: 200, body: { ok: true, event: check.event, reference: check.payment.reference, outcome } };
}
