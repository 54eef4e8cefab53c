import { z } from "zod";
import { providerSchema } from "./waba-instance";

export const languageSchema = z.enum(["fr", "en"]);
export type Language = z.infer<typeof languageSchema>;

/** `vendor_configs/{vendorId}`: routing to the vendor's number plus the chat engine's settings. */
export const vendorConfigSchema = z.object({
  vendorId: z.string().min(1),
  wabaInstanceId: z.string().min(1).optional(),
  wabaProvider: providerSchema.optional(),
  businessName: z.string().min(1).optional(),
  welcomeMessage: z.string().min(1).optional(),
  language: languageSchema.default("fr"),
  autoReplyEnabled: z.boolean().default(true),
  /** How many messages a minute reach the chat engine; beyond, messages are stored but not answered. */
  rateLimits: z
    .object({
      perCustomerPerMinute: z.number().int().positive().default(10),
      perVendorPerMinute: z.number().int().positive().default(600),
    })
    .default({ perCustomerPerMinute: 10, perVendorPerMinute: 600 }),
});
export type VendorConfig = z.infer<typeof vendorConfigSchema>;

/** The one field the webhook needs to find the vendor's number; the rest is the engine's business. */
export const vendorRoutingSchema = vendorConfigSchema.pick({ wabaInstanceId: true });
