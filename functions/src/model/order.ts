import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { orderDeliverySchema } from "./order-delivery";
import { orderItemSchema, orderStatusSchema } from "./order-parts";
import { orderCheckoutSchema, orderPaymentSchema } from "./payment-account";

export { orderItemSchema, orderStatusSchema, type OrderItem, type OrderStatus } from "./order-parts";

/**
 * `vendors/{vendorId}/orders/{reference}`. `stockHeld` says whether its items are still taken out of
 * the products' stock: whoever ends a reservation (expiry, cancel) gives them back exactly once. An
 * operator confirms a payment by setting `status` to "paid".
 */
/** Where a reserved unit was taken from: the shard it goes back to when the reservation ends. */
export const stockDrawSchema = z.object({
  productId: z.string(),
  shard: z.number().int().nonnegative(),
  quantity: z.number().int().positive(),
});
export type StockDraw = z.infer<typeof stockDrawSchema>;

export const orderDocSchema = z.object({
  customer: z.string(),
  customerName: z.string().optional(),
  wabaInstanceId: z.string(),
  items: z.array(orderItemSchema).min(1),
  /** The items' prices plus the delivery fee, when there is one. */
  total: z.number().int().nonnegative(),
  /** Where it is delivered (vendors with `vendor_configs.delivery`); `fee` is in `total`. */
  delivery: orderDeliverySchema.optional(),
  /** The waitlist place this reservation served (units that came back went to the line). */
  waitlistEntry: z.string().optional(),
  currency: z.string(),
  status: orderStatusSchema,
  stockHeld: z.boolean(),
  /** The stock shards the items were drawn from (orders reserved before stock was sharded have none). */
  stockDraws: z.array(stockDrawSchema).optional(),
  paymentLink: z.string(),
  /** When `paymentLink` is our pay link: the vendor's link template, used when no checkout can be made. */
  paymentFallback: z.string().optional(),
  /** Set while one run creates the order's checkout at the provider, so no other run makes a second one. */
  checkoutClaimedAt: z.instanceof(Timestamp).optional(),
  createdAt: z.instanceof(Timestamp),
  expiresAt: z.instanceof(Timestamp),
  cancelledBy: z.enum(["customer", "vendor"]).optional(),
  /** The vendor's checkout, made just after the reservation commits (absent: not yet, or no payment account). */
  checkout: orderCheckoutSchema.optional(),
  /** The verified payment that set `status: "paid"` (absent when an operator marked it paid). */
  payment: orderPaymentSchema.optional(),
  /** The message each status change sent to the buyer, so a redelivered trigger sends none twice. */
  notices: z.record(z.string(), z.string()).default({}),
});
export type OrderDoc = z.infer<typeof orderDocSchema>;
