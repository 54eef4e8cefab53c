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
export const wabaInstanceSchema = z.object({
  vendorId: z.string().min(1),
  phoneNumber: e164Schema,
  provider: providerSchema,
  wasenderInstanceId: z.string().min(1).optional(),
  wasenderApiKey: z.string().min(1).optional(),
  wasenderWebhookSecret: z.string().min(1).optional(),
  wasenderApiUrl: z.url({ protocol: /^https?$/ }).optional(),
  wasenderAccessToken: z.string().min(1).optional(),
  webhookSignatureScheme: signatureSchemeSchema.default("any"),
  status: z.enum(["connected", "disconnected", "pending"]).default("pending"),
  lastSync: instantSchema.optional(),
  failoverProvider: z.string().nullable().optional(),
  businessName: z.string().optional(),
  createdAt: instantSchema.optional(),
  updatedAt: instantSchema.optional(),
});
export type WabaInstanceData = z.infer<typeof wabaInstanceSchema>;

const requiredForWasender = z
  .string({ error: (issue) => (issue.input === undefined ? "is required for a Wasender instance" : undefined) })
  .min(1, "is required for a Wasender instance");

/** A Wasender instance has what receiving and replying need: its secret and its session key. */
export const wasenderInstanceSchema = wabaInstanceSchema.extend({
  provider: z.literal("wasender", { error: 'must be "wasender" for a Wasender number' }),
  wasenderApiKey: requiredForWasender,
  wasenderWebhookSecret: requiredForWasender,
});
export type WasenderInstanceData = z.infer<typeof wasenderInstanceSchema>;

export interface WasenderInstance extends WasenderInstanceData {
  id: string;
}

export type InstanceCheck =
  | { usable: true; instance: WasenderInstance }
  | { usable: false; id: string; problems: string[] };

/** Validates a raw `waba_instances` document for use as a Wasender number; never half-uses it. */
export function checkWasenderInstance(id: string, raw: unknown): InstanceCheck {
  const parsed = wasenderInstanceSchema.safeParse(raw);
  if (!parsed.success) return { usable: false, id, problems: describeIssues(parsed.error) };
  return { usable: true, instance: { id, ...parsed.data } };
}
