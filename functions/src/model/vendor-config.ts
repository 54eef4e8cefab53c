import { z } from "zod";
import { providerSchema } from "./waba-instance";
import { openingHoursSchema } from "./opening-hours";
import { deliverySettingsSchema } from "./order-delivery";
import { toE164 } from "../shared/phone";
import {
  REQUIRED_PLACEHOLDERS,
  TEMPLATE_KEYS,
  TEMPLATE_PLACEHOLDERS,
  placeholdersOf,
  type TemplateKey,
} from "./templates";

export const languageSchema = z.enum(["fr", "en"]);
export type Language = z.infer<typeof languageSchema>;

/** Placeholders a payment link template may use. */
export const PAYMENT_LINK_PLACEHOLDERS = ["amount", "reference", "vendorId", "currency"] as const;

/** A payment link with placeholders, e.g. "https://pay.wave.com/m/M_sn_x?amount={amount}". */
export const paymentLinkTemplateSchema = z.string().superRefine((template, ctx) => {
  const unknown = placeholdersOf(template).filter(
    (name) => !(PAYMENT_LINK_PLACEHOLDERS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `unknown placeholder ${unknown.map((n) => `{${n}}`).join(", ")}; use ${PAYMENT_LINK_PLACEHOLDERS.map((n) => `{${n}}`).join(", ")}`,
    });
    return;
  }
  const sample = template.replace(/\{[A-Za-z]+\}/g, "1");
  if (!z.url({ protocol: /^https?$/ }).safeParse(sample).success)
    ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
});

/** One overridable text: only the placeholders it knows, and the ones it must keep. */
function templateSchema(key: TemplateKey) {
  return z
    .string()
    .min(1)
    .superRefine((template, ctx) => {
      const allowed: readonly string[] = TEMPLATE_PLACEHOLDERS[key];
      const used = placeholdersOf(template);
      const unknown = used.filter((name) => !allowed.includes(name));
      if (unknown.length > 0) {
        const known = allowed.length > 0 ? allowed.map((n) => `{${n}}`).join(", ") : "none";
        ctx.addIssue({
          code: "custom",
          message: `unknown placeholder ${unknown.map((n) => `{${n}}`).join(", ")}; this text knows ${known}`,
        });
      }
      const missing = (REQUIRED_PLACEHOLDERS[key] ?? []).filter((name) => !used.includes(name));
      if (missing.length > 0)
        ctx.addIssue({ code: "custom", message: `must keep ${missing.map((n) => `{${n}}`).join(", ")}` });
    });
}

/** Per-vendor wording: any default text may be replaced; an unknown key is refused. */
const templatesSchema = z.strictObject(
  Object.fromEntries(TEMPLATE_KEYS.map((key) => [key, templateSchema(key).optional()])) as Record<
    TemplateKey,
    z.ZodOptional<z.ZodString>
  >,
);

const ownerPhoneSchema = z.string().transform((value, ctx) => {
  const e164 = toE164(value);
  if (!e164) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a phone number` });
    return z.NEVER;
  }
  return e164;
});

/** `vendor_configs/{vendorId}`: routing to the vendor's number plus the chat engine's settings. */
export const vendorConfigSchema = z.object({
  vendorId: z.string().min(1),
  wabaInstanceId: z.string().min(1).optional(),
  wabaProvider: providerSchema.optional(),
  businessName: z.string().min(1).optional(),
  /** The answer to a greeting; may use {shop} and {name}. */
  welcomeMessage: templateSchema("welcome").optional(),
  language: languageSchema.default("fr"),
  autoReplyEnabled: z.boolean().default(true),
  /** During a live the shop answers as open whatever its opening hours say. */
  liveMode: z.boolean().default(false),
  /** Without it the shop is always open. */
  openingHours: openingHoursSchema.optional(),
  /** Said, instead of the default away text, to a buyer who writes while the shop is closed. */
  awayMessage: templateSchema("away").optional(),
  reservationDurationMinutes: z.number().int().min(1).max(1440).default(10),
  /** Where buyers pay; without it, the platform's own pay page. */
  paymentLinkTemplate: paymentLinkTemplateSchema.optional(),
  /** The vendor's own phone: handoff requests are sent there, and commands from it are the vendor's. */
  ownerPhone: ownerPhoneSchema.optional(),
  templates: templatesSchema.optional(),
  /** Delivery zones and fees: after OUI the bot asks the zone (and the address); without it, no question. */
  delivery: deliverySettingsSchema.optional(),
  /** How long a reply may keep being retried before it ends failed with its last reason (1 day by default). */
  deliveryDeadlineMinutes: z
    .number()
    .positive()
    .max(7 * 24 * 60)
    .default(1440),
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
