import { errorResponse, MAX_BODY_BYTES, type WebhookRequest, type WebhookResponse } from "../http/handler";
import { documentIdSchema } from "../model/common";
import type { OutboundDeps } from "../outbound/dispatch";
import { logger } from "../shared/logger";
import { readPaymentAccountCached } from "../store/payment-accounts";
import { applyPayment } from "./apply-payment";
import { ProviderCallError } from "./http";
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
  const rest = path.startsWith(HOSTING_PREFIX) ? path.slice(HOSTING_PREFIX.length) : path;
  const segments = rest.split("/").filter((segment) => segment.length > 0);
  if (segments.length !== 2) return { ok: false };
  let vendorId: string;
  try {
    vendorId = decodeURIComponent(segments[1]!);
  } catch {
    return { ok: false };
  }
  if (!isPaymentProviderName(segments[0]!) || !documentIdSchema.safeParse(vendorId).success) return { ok: false };
  return { ok: true, provider: segments[0], vendorId };
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
  if (request.method !== "POST")
    return {
      ...errorResponse(405, "method_not_allowed", "Use POST."),
      headers: { Allow: "POST" },
    };
  const target = parsePaymentPath(request.path);
  if (!target.ok) {
    const expected = "POST /api/webhooks/payments/{provider}/{vendorId}";
    return errorResponse(404, "not_found", `No payment webhook here: ${expected}.`);
  }
  const { provider, vendorId } = target;
  const size = request.rawBody?.length ?? 0;
  if (size > MAX_BODY_BYTES) {
    return errorResponse(413, "payload_too_large", `The body is ${size} bytes; the limit is ${MAX_BODY_BYTES}.`);
  }
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
    return unverified();
  }
  const account = read.account;
  const now = deps.now?.() ?? new Date();
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
    return errorResponse(502, "provider_unavailable", message);
  }
  if (!check.ok) {
    logger.warn("payment callback refused", { vendorId, provider, reason: check.code });
    // Before authentication, one answer whatever failed: nothing tells which vendors have which account.
    return check.status === 401 ? unverified() : errorResponse(check.status, check.code, check.message);
  }
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
