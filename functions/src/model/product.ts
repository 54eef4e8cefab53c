import { z } from "zod";

/** `vendors/{vendorId}/products/{productId}`. */
export const productSchema = z.object({
  keyword: z.string().trim().min(1),
  name: z.string().min(1),
  price: z.number().int().nonnegative(),
  currency: z.string().length(3).default("XOF"),
  stock: z.number().int().nonnegative(),
  active: z.boolean(),
  description: z.string().optional(),
  imageUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Server-kept: the shards the stock is spread over (README, "Stock during a live"); absent until spread. */
  stockSync: z.looseObject({ stock: z.number(), shards: z.number().int().positive() }).optional(),
});
export type ProductData = z.infer<typeof productSchema>;
export interface Product extends ProductData {
  id: string;
}
