/** What a checkout is made for: one reserved order. */
export interface CheckoutRequest {
  vendorId: string;
  reference: string;
  amount: number;
  currency: string;
  customer: string;
  expiresAt: Date;
}

/** The link a reservation message carries, known without asking the provider. */
export interface ReservationLink {
  url: string;
  /**
   * Set when `url` is our own pay link (the vendor has a payment account): the vendor's link template,
   * where the pay link sends the buyer when no checkout can be made. The checkout is made after the commit.
   */
  fallback?: string;
}

/** Where the pay link sends a buyer, once the order's checkout is settled (or could not be). */
export type CheckoutOutcome =
  | { kind: "created"; url: string }
  | { kind: "fallback"; url: string; reason: string }
  | { kind: "not_payable"; status: string }
  | { kind: "unknown" };

/**
 * The vendor's own checkout for a reservation. `linkFor` runs inside the decision's transaction and never
 * calls the provider; `ensure` runs after the commit (and at the pay link) and makes the order's checkout
 * once, whoever calls it and however often. Neither throws.
 */
export interface CheckoutCreator {
  linkFor(vendorId: string, reference: string, fallback: string): Promise<ReservationLink>;
  ensure(vendorId: string, reference: string): Promise<CheckoutOutcome>;
}
