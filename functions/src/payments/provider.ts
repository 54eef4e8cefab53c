import type { WebhookRequest } from "../http/handler";
import type { CheckoutRequest } from "../model/checkout-port";
import type { PaymentAccount, PaymentProviderName } from "../model/payment-account";

/** What a verified callback (or a reconciliation) says about one order's payment. */
export interface VerifiedPayment {
  provider: PaymentProviderName;
  /** The order reference the checkout was made with (Wave client_reference, PayDunya custom_data, Orange reference). */
  reference: string;
  /** The provider's id of this payment attempt: the ledger's key, so a redelivery is recognised. */
  transactionId: string;
  outcome: "succeeded" | "failed" | "pending";
  amount?: number;
  currency?: string;
  /** The provider's checkout this payment belongs to (Wave's session id): it must be the order's own. */
  checkoutId?: string;
  /** The vendor the checkout was made for, as the provider confirms it (PayDunya's custom_data.vendorId). */
  vendorId?: string;
}

export type CallbackCheck =
  | { ok: true; event: string; payment?: VerifiedPayment }
  | { ok: false; status: 400 | 401 | 403; code: string; message: string };

export interface CreatedCheckout {
  id: string;
  url: string;
}

export interface CheckoutContext extends CheckoutRequest {
  /** Where this provider posts its callback for this vendor (PayDunya takes it per invoice). */
  callbackUrl: string;
  /** Where the buyer lands after paying (Wave, PayDunya). */
  returnUrl: string;
}

/** One payment provider: its checkout, its callback's verification, and (when it has one) a status lookup. */
export interface PaymentProvider<A extends PaymentAccount = PaymentAccount> {
  readonly name: A["provider"];
  /** The only hosts (and their subdomains) a checkout URL of this provider may be on, over https. */
  readonly checkoutHosts: readonly string[];
  createCheckout(account: A, order: CheckoutContext, signal: AbortSignal): Promise<CreatedCheckout>;
  /** Authenticates the callback, then reads it (PayDunya: confirms it with PayDunya first). */
  verifyCallback(account: A, request: WebhookRequest, now: Date, signal: AbortSignal): Promise<CallbackCheck>;
  /** The checkout's state at the provider, for an order whose callback never came; undefined: no lookup. */
  lookup?(account: A, checkoutId: string, signal: AbortSignal): Promise<VerifiedPayment | undefined>;
}

export const unauthenticated = (code: string, message: string): CallbackCheck => ({
  ok: false,
  status: 401,
  code,
  message,
});
export const badCallback = (message: string): CallbackCheck => ({
  ok: false,
  status: 400,
  code: "invalid_callback",
  message,
});
