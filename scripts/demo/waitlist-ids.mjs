// The waitlist's document ids, as functions/src/model/waitlist.ts makes them: one place per buyer and product.
export function waitlistEntryId(productId, customer) {
  return `${productId}__${customer.replace(/[^0-9]/g, "")}`;
}
