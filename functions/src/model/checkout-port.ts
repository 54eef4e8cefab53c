import type { OrderCheckout } from "./payment-account";

/** What a checkout is made for: one reserved order. */
export interface CheckoutRequest {
  vendorId: string;
  reference: string;
  amount: number;
  currency: string;
  customer: string;
  expiresAt: Date;
}

/** The link the reservation message carries, and what the order records about it. */
export interface CheckoutLink {
  url: string;
  checkout?: OrderCheckout;
}

/**
 * The reservation's way to a payment link: the vendor's own checkout when it has a payment account,
 * the link template (`fallback`) otherwise or when the provider is slow or down. Never throws.
 */
export interface CheckoutCreator {
  linkFor(request: CheckoutRequest, fallback: string): Promise<CheckoutLink>;
}
