import { z } from "zod";
import { describeIssues, e164Schema, instantSchema } from "./common";

export const providerSchema = z.enum(["wasender", "meta", "unipile"]);
export type Provider = z.infer<typeof providerSchema>;

/**
 * How a webhook request must prove it comes from Wasender: `secret` is Wasender's real
 * X-Webhook-Signature (the secret itself), `hmac` the design document's X-Wasender-Signature
 * (hex HMAC-SHA256 of the raw body), `any` accepts either.
 */
export const signatureSchemeSchema = z.enum(["any", "secret", "hmac"]);
export type SignatureScheme = z.infer<typeof signatureSchemeSchema>;

/** `waba_instances/{wabaInstanceId}` as an operator writes it in the console. */
const wabaInstanceFields = z.object({
  vendorId: z.string().min(1),
  phoneNumber: e164Schema,
  provider: providerSchema,
  wasenderInstanceId: z.string().min(1).optional(),
  wasenderApiKey: z.string().min(1).optional(),
  wasenderWebhookSecret: z.string().min(1).optional(),
  /** Secret rotation: the old secret stays valid until `previousWebhookSecretExpiresAt`. */
  previousWebhookSecret: z.string().min(1).optional(),
  previousWebhookSecretExpiresAt: instantSchema.optional(),
  wasenderApiUrl: z.url({ protocol: /^https?$/ }).optional(),
  wasenderAccessToken: z.string().min(1).optional(),
  webhookSignatureScheme: signatureSchemeSchema.default("any"),
  /** The session's Wasender send limit (256 paid, 12 with account protection, 1 trial); absent = unpaced. */
  sendRatePerMinute: z.number().int().positive().optional(),
  /** The window that rate applies to; 60 s except to test pacing faster. */
  sendRateWindowSeconds: z.number().int().positive().default(60),
  status: z.enum(["connected", "disconnected", "pending"]).default("pending"),
  /** Set by delivery when Wasender refuses the number (bad key, unknown session); cleared by a successful send. */
  deliveryProblem: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  lastSync: instantSchema.optional(),
  failoverProvider: z.string().nullable().optional(),
  businessName: z.string().optional(),
  createdAt: instantSchema.optional(),
  updatedAt: instantSchema.optional(),
});
function requirePreviousSecretExpiry(value: { previousWebhookSecret?: string | undefined; previousWebhookSecretExpiresAt?: unknown }, ctx: z.RefinementCtx) {
  if (value.previousWebhookSecret && value.previousWebhookSecretExpiresAt === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["previousWebhookSecretExpiresAt"],
      message: "is required with previousWebhookSecret (until when the old secret is accepted)",
    });
  }
}

export const wabaInstanceSchema = wabaInstanceFields.superRefine(requirePreviousSecretExpiry);
export type WabaInstanceData = z.infer<typeof wabaInstanceSchema>;

const requiredForWasender = z
  .string({ error: (issue) => (issue.input === undefined ? "is required for a Wasender instance" : undefined) })
  .min(1, "is required for a Wasender instance");

/** A Wasender instance has what receiving and replying need: its secret and its session key. */
export const wasenderInstanceSchema = wabaInstanceFields
  .extend({
    provider: z.literal("wasender", { error: 'must be "wasender" for a Wasender number' }),
    wasenderApiKey: requiredForWasender,
    wasenderWebhookSecret: requiredForWasender,
  })
  .superRefine(requirePreviousSecretExpiry);
export type WasenderInstanceData = z.infer<typeof wasenderInstanceSchema>;

export interface WasenderInstance extends WasenderInstanceData {
  id: string;
}

export type InstanceCheck =
  | { usable: true; instance: WasenderInstance }
  | { usable: false; id: string; problems: string[] };

/** Validates a raw `waba_instances` document for use as a Wasender number; never half-uses it. */
export function checkWasenderInstance(id: string, raw: unknown): InstanceCheck {
  // Problems the onboarding check wrote back (a phone owned by another vendor, ...) keep it out too.
  const recorded = (raw as { configProblems?: unknown } | undefined)?.configProblems;
  if (Array.isArray(recorded) && recorded.length > 0) return { usable: false, id, problems: recorded.map(String) };
  const parsed = wasenderInstanceSchema.safeParse(raw);
  if (!parsed.success) return { usable: false, id, problems: describeIssues(parsed.error) };
  return { usable: true, instance: { id, ...parsed.data } };
}

/** The secrets a webhook may be signed with right now: the current one, and the previous one until it expires. */
export function acceptedSecrets(instance: WasenderInstance, now = Date.now()): string[] {
  const secrets = [instance.wasenderWebhookSecret];
  const expiry = instance.previousWebhookSecretExpiresAt;
  if (instance.previousWebhookSecret && expiry !== undefined) {
    const expiresAt = typeof expiry === "string" ? Date.parse(expiry) : expiry.toMillis();
    if (expiresAt > now) secrets.push(instance.previousWebhookSecret);
  }
  return secrets;
}
