import { z } from "zod";

// The delivery an order (or a waitlist place) carries; no Firestore types, so the engine shares it.

export const orderDeliverySchema = z.object({
  zone: z.string().min(1),
  /** In the order's currency; part of the order's `total`. */
  fee: z.number().int().nonnegative(),
  address: z.string().optional(),
});
export type OrderDelivery = z.infer<typeof orderDeliverySchema>;

/** `vendor_configs.delivery`: the zones a vendor delivers to, and whether the bot asks the address. */
export const deliverySettingsSchema = z.object({
  zones: z
    .array(z.object({ name: z.string().trim().min(1).max(80), fee: z.number().int().nonnegative() }))
    .min(1)
    .max(20),
  askAddress: z.boolean().default(false),
});
export type DeliverySettings = z.infer<typeof deliverySettingsSchema>;

/** The longest address kept: a buyer's message can be 64 KB. */
export const ADDRESS_MAX_LENGTH = 300;
