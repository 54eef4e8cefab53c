import { z } from "zod";

// The parts of an order the chat engine shares; no Firestore types here, so the engine stays plain.

export const orderStatusSchema = z.enum(["reserved", "paid", "expired", "cancelled"]);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

export const orderItemSchema = z.object({
  productId: z.string(),
  keyword: z.string(),
  name: z.string(),
  unitPrice: z.number().int().nonnegative(),
  quantity: z.number().int().positive(),
});
export type OrderItem = z.infer<typeof orderItemSchema>;
