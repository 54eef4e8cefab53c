import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { orderDeliverySchema } from "./order-delivery";

/**
 * `vendors/{vendorId}/waitlist/{entryId}`: one buyer waiting for units of a sold-out product. The line
 * is the product's "waiting" entries by `joinedAt` (then id); units that come back go to its head as a
 * reservation of their own (`served`, with `orderId`). `left`: the buyer said ANNULER; `closed`: the
 * product was taken off sale. The live page counts a product's waiting buyers with a count() query.
 */
export const waitlistStatusSchema = z.enum(["waiting", "served", "left", "closed"]);
export type WaitlistStatus = z.infer<typeof waitlistStatusSchema>;

export const waitlistEntrySchema = z.object({
  productId: z.string().min(1),
  quantity: z.number().int().positive(),
  /** The buyer's phone, E.164, as orders hold it. */
  customer: z.string().min(1),
  customerName: z.string().optional(),
  /** The vendor's number the buyer wrote to: the reservation message leaves from it. */
  instanceId: z.string().min(1),
  status: waitlistStatusSchema,
  joinedAt: z.instanceof(Timestamp),
  /** The delivery chosen when joining (vendors with delivery zones): the reservation carries it. */
  delivery: orderDeliverySchema.optional(),
  orderId: z.string().optional(),
});
export type WaitlistEntry = z.infer<typeof waitlistEntrySchema>;

/**
 * One entry per buyer and product (a buyer who leaves and joins again takes the same document, back of
 * the line): the id is known without a query, so joining twice never makes two places.
 */
export function waitlistEntryId(productId: string, customer: string): string {
  return `${productId}__${customer.replace(/[^0-9]/g, "")}`;
}
