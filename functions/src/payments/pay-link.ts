import { errorResponse, type WebhookRequest, type WebhookResponse } from "../http/handler";
import { documentIdIn, segmentsAfter } from "../http/paths";
import type { CheckoutCreator } from "../model/checkout-port";
import { isOrderReference } from "../store/orders";
import { clientAddress, type PayLinkLimiter } from "./pay-link-limiter";

const HOSTING_PREFIX = "/pay";

/** `{vendorId, reference}` from `/pay/{vendorId}/{reference}`, or the function's own URL. */
export function parsePayLinkPath(path: string): { ok: true; vendorId: string; reference: string } | { ok: false } {
  const segments = segmentsAfter(path, HOSTING_PREFIX);
  const vendorId = documentIdIn(segments[0]);
  const reference = segments[1];
  if (segments.length !== 2 || !vendorId || !isOrderReference(reference!)) return { ok: false };
  return { ok: true, vendorId, reference: reference! };
}

const page = (status: number, text: string): WebhookResponse => ({
  status,
  body: {},
  text,
  headers: { "cache-control": "no-store" },
});
const redirect = (url: string): WebhookResponse => ({
  status: 302,
  body: {},
  text: "",
  headers: { location: url, "cache-control": "no-store" },
});

const NOT_PAYABLE: Record<string, string> = {
  paid: "Cette commande est déjà payée. Merci ! / This order is already paid.",
  expired: "Cette réservation a expiré. / This reservation has expired.",
  cancelled: "Cette commande a été annulée. / This order was cancelled.",
};

/**
 * `GET /pay/{vendorId}/{reference}`: the link a reservation message carries. Sends the buyer to the
 * order's checkout, creating it first when the step after the reservation did not (bounded wait, one
 * checkout per order); to the vendor's link template when the provider cannot make one. Writes nothing
 * but that order's own checkout, and nothing at all for an unknown vendor or order. Limited per client
 * address and per vendor, since anyone may probe it.
 */
export interface PayLinkDeps {
  checkout: CheckoutCreator;
  limiter: PayLinkLimiter;
}

export async function handlePayLink(request: WebhookRequest, deps: PayLinkDeps): Promise<WebhookResponse> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return {
      ...errorResponse(405, "method_not_allowed", "Open this link in a browser (GET)."),
      headers: { allow: "GET, HEAD" },
    };
  }
  const path = parsePayLinkPath(request.path);
  if (!path.ok)
    return errorResponse(400, "invalid_pay_link", "A pay link is /pay/{vendorId}/{reference} (CMD-XXXXXX).");
  const verdict = await deps.limiter.check(clientAddress(request), path.vendorId);
  if (!verdict.allowed) {
    const seconds = verdict.retryAfterSeconds;
    return {
      ...errorResponse(429, "too_many_requests", `Too many pay link requests; try again in ${seconds} s.`),
      headers: { "retry-after": String(seconds), "cache-control": "no-store" },
    };
  }
  const outcome = await deps.checkout.ensure(path.vendorId, path.reference);
  switch (outcome.kind) {
    case "unknown":
      return errorResponse(404, "order_not_found", "No such order: check the link in your WhatsApp message.");
    case "not_payable":
      return page(
        410,
        NOT_PAYABLE[outcome.status] ?? "Cette commande ne peut plus être payée. / This order can no longer be paid.",
      );
    case "created":
    case "fallback":
      return redirect(outcome.url);
  }
}
