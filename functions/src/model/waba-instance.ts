import { z } from "zod";
import { describeIssues, e164Schema, instantSchema } from "./common";
import { MIN_SECRET_LENGTH, shortWebhookSecrets } from "./secrets";

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
  /** How long a call to this number's Wasender may take; 10 s (the most) except to test timeouts faster. */
  wasenderTimeoutSeconds: z.number().int().min(1).max(10).optional(),
  /** Written by the session events only when it changes (with `lastSync`), or by an operator. */
  status: z.enum(["connected", "disconnected", "pending"]).default("pending"),
  lastSync: instantSchema.optional(),
  /**
   * Runtime state now on `waba_runtime/{wabaInstanceId}` (store/waba-runtime.ts): never read from this
   * document (see RUNTIME_ONLY), so always undefined here; kept in the type until no caller reads it.
   */
  sessionStatus: z.string().optional(),
  deliveryProblem: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  providerErrors: z
    .record(z.string(), z.looseObject({ code: z.string(), message: z.string(), at: instantSchema.optional() }))
    .optional(),
  /** Where replies go while the Wasender session cannot take them (README, "Meta failover"; docs/unipile.md). */
  failoverProvider: z
    .enum(["meta", "unipile"], {
      error: 'must be "meta" or "unipile" (the failover providers this backend has) or null',
    })
    .nullable()
    .optional(),
  /** Meta's id of the vendor's Cloud API number: sending through Meta, and routing Meta's webhooks. */
  metaPhoneNumberId: z
    .string()
    .regex(/^\d{5,30}$/, "must be Meta's numeric phone number id")
    .optional(),
  metaAccessToken: z.string().min(1).optional(),
  /** Graph API base including the version; default the global META_GRAPH_API_URL. */
  metaApiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Checks `X-Hub-Signature-256` on Meta's webhooks. */
  metaAppSecret: z.string().min(1).optional(),
  /** Answers Meta's GET verification of the webhook URL. */
  metaVerifyToken: z.string().min(1).optional(),
  /** The Unipile account of the number (`account_id`): sending, and routing Unipile's webhooks. */
  unipileAccountId: z.string().min(1).max(200).optional(),
  /** The Unipile workspace's access token, sent as X-API-KEY. */
  unipileApiKey: z.string().min(1).optional(),
  /** The workspace's DSN base including `/api/v1`, e.g. https://api1.unipile.com:13111/api/v1. */
  unipileApiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The value Unipile sends in the `Unipile-Auth` header of every webhook (set when it is created). */
  unipileWebhookSecret: z.string().min(1).optional(),
  /** Transient Wasender failures in a row that open the failover circuit. */
  failoverThreshold: z.number().int().positive().default(3),
  /** How long the circuit stays open before one message probes Wasender again. */
  failoverCooldownSeconds: z.number().positive().default(60),
  businessName: z.string().optional(),
  /** The provider URLs as a vendor's staff set them (model/provider-urls.ts): checked again at every use. */
  staffProviderUrls: z.record(z.string(), z.string()).optional(),
  createdAt: instantSchema.optional(),
  updatedAt: instantSchema.optional(),
});
function requirePreviousSecretExpiry(
  value: { previousWebhookSecret?: string | undefined; previousWebhookSecretExpiresAt?: unknown },
  ctx: z.RefinementCtx,
) {
  if (value.previousWebhookSecret && value.previousWebhookSecretExpiresAt === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["previousWebhookSecretExpiresAt"],
      message: "is required with previousWebhookSecret (until when the old secret is accepted)",
    });
  }
}

const META_SENDING = ["metaPhoneNumberId", "metaAccessToken"] as const;
const META_RECEIVING = ["metaAppSecret", "metaVerifyToken"] as const;
const UNIPILE_SENDING = ["unipileAccountId", "unipileApiKey", "unipileApiUrl"] as const;
const UNIPILE_RECEIVING = ["unipileWebhookSecret"] as const;
const WASENDER_ONLY = [
  "wasenderInstanceId",
  "wasenderApiKey",
  "wasenderWebhookSecret",
  "wasenderApiUrl",
  "wasenderAccessToken",
  "failoverProvider",
] as const;
const META_ONLY = [...META_SENDING, ...META_RECEIVING, "metaApiUrl"] as const;
const UNIPILE_ONLY = [...UNIPILE_SENDING, ...UNIPILE_RECEIVING] as const;

/**
 * The fields another provider's number would use, per provider: left in place when an operator
 * switches `provider` (design, "Switching a number's provider"), they are ignored, never a problem.
 */
export const IGNORED_FIELDS: Readonly<Record<Provider, readonly string[]>> = {
  wasender: [],
  meta: [...WASENDER_ONLY, ...UNIPILE_ONLY],
  unipile: [...WASENDER_ONLY, ...META_ONLY],
};

/**
 * The fields each use needs (design, "Failover and Meta numbers", "Unipile numbers"): a failover
 * sends with its provider's sending fields; a number on Meta or Unipile needs all of that provider's.
 */
function requireProviderFields(value: Record<string, unknown>, ctx: z.RefinementCtx) {
  const missing = (fields: readonly string[], why: string) => {
    for (const field of fields)
      if (value[field] === undefined) ctx.addIssue({ code: "custom", path: [field], message: `is required ${why}` });
  };
  if (value.provider === "meta") missing([...META_SENDING, ...META_RECEIVING], 'for a Meta number (provider "meta")');
  else if (value.provider === "unipile") {
    missing([...UNIPILE_SENDING, ...UNIPILE_RECEIVING], 'for a Unipile number (provider "unipile")');
  } else if (value.failoverProvider === "meta") missing(META_SENDING, 'with failoverProvider "meta"');
  else if (value.failoverProvider === "unipile") missing(UNIPILE_SENDING, 'with failoverProvider "unipile"');
}

/**
 * What an operator is told about a document, none of it keeping the number from working: the other
 * providers' fields it keeps, which are ignored, and webhook secrets short enough to be guessed.
 */
export function configNotices(raw: Record<string, unknown>): string[] {
  const provider = providerSchema.safeParse(raw.provider);
  if (!provider.success) return [];
  const ignoredFields: readonly string[] = IGNORED_FIELDS[provider.data];
  const ignored = ignoredFields
    .filter((field) => raw[field] !== undefined && raw[field] !== null)
    .map(
      (field) =>
        `${field}: ignored on a ${provider.data} number (provider "${provider.data}"); ` +
        "kept for a switch back, remove it when the switch is final",
    );
  // The field's name only, never its value: notices are shown to the vendor's staff in the console.
  const short = shortWebhookSecrets(raw)
    .filter((field) => !ignoredFields.includes(field))
    .map(
      (field) =>
        `${field}: shorter than ${MIN_SECRET_LENGTH} characters, it could be guessed; ` +
        `set a new one of at least ${MIN_SECRET_LENGTH}`,
    );
  return [...ignored, ...short];
}

export const wabaInstanceSchema = wabaInstanceFields.superRefine((value, ctx) => {
  requirePreviousSecretExpiry(value, ctx);
  requireProviderFields(value, ctx);
});
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
  .superRefine((value, ctx) => {
    requirePreviousSecretExpiry(value, ctx);
    requireProviderFields(value, ctx);
  });
export type WasenderInstanceData = z.infer<typeof wasenderInstanceSchema>;

export interface WasenderInstance extends WasenderInstanceData {
  id: string;
}

const requiredForMeta = z
  .string({
    error: (issue) => (issue.input === undefined ? 'is required for a Meta number (provider "meta")' : undefined),
  })
  .min(1, 'is required for a Meta number (provider "meta")');

/** Another provider's field on this number: ignored whatever it holds (a switch keeps them). */
const ignored = z
  .unknown()
  .optional()
  .transform(() => undefined);
const ignoring = (provider: Provider) => Object.fromEntries(IGNORED_FIELDS[provider].map((field) => [field, ignored]));

/** A number on the Cloud API only: Meta sends, Meta's webhooks bring its messages. */
export const metaInstanceSchema = wabaInstanceFields
  .extend({
    provider: z.literal("meta"),
    metaPhoneNumberId: requiredForMeta.regex(/^\d{5,30}$/, "must be Meta's numeric phone number id"),
    metaAccessToken: requiredForMeta,
    metaAppSecret: requiredForMeta,
    metaVerifyToken: requiredForMeta,
    ...ignoring("meta"),
  })
  .superRefine(requireProviderFields);
export type MetaInstanceData = z.infer<typeof metaInstanceSchema>;

export interface MetaInstance extends MetaInstanceData {
  id: string;
}

const UNIPILE_REQUIRED = 'is required for a Unipile number (provider "unipile")';
const requiredForUnipile = z
  .string({ error: (issue) => (issue.input === undefined ? UNIPILE_REQUIRED : undefined) })
  .min(1, UNIPILE_REQUIRED);

/** A number linked to Unipile: Unipile sends, Unipile's webhooks bring its messages. */
export const unipileInstanceSchema = wabaInstanceFields
  .extend({
    provider: z.literal("unipile"),
    unipileAccountId: requiredForUnipile.max(200),
    unipileApiKey: requiredForUnipile,
    unipileApiUrl: requiredForUnipile.pipe(z.url({ protocol: /^https?$/ })),
    unipileWebhookSecret: requiredForUnipile,
    ...ignoring("unipile"),
  })
  .superRefine(requireProviderFields);
export type UnipileInstanceData = z.infer<typeof unipileInstanceSchema>;

export interface UnipileInstance extends UnipileInstanceData {
  id: string;
}

/** Any number that can send: on Wasender (perhaps with a Meta or Unipile failover), the Cloud API, or Unipile. */
export type MessagingInstance = WasenderInstance | MetaInstance | UnipileInstance;

export type InstanceCheck<I extends MessagingInstance = MessagingInstance> =
  | { usable: true; instance: I }
  | {
      usable: false;
      id: string;
      problems: string[];
      /**
       * "schema": field names and rules only. "onboarding": the `configProblems` the onboarding check
       * wrote back, which carry values (a phone number, the vendor that owns it): for operators only.
       */
      source: "schema" | "onboarding";
    };

/**
 * Runtime fields an instance document written before `waba_runtime` existed may still hold: ignored,
 * so a stale copy never passes for the number's state (the runtime document is the one source).
 */
const RUNTIME_ONLY = [
  "sessionStatus",
  "deliveryProblem",
  "providerErrors",
  "circuit",
  "connectionHistory",
  "qrCode",
  "qrCodeUpdatedAt",
];

function withoutRuntimeFields(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object") return raw;
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !RUNTIME_ONLY.includes(key)));
}

/** Validates a raw `waba_instances` document with `schema`; never half-uses it. */
function check<I extends MessagingInstance>(
  schema: z.ZodType<Omit<I, "id">>,
  id: string,
  raw: unknown,
): InstanceCheck<I> {
  // Problems the onboarding check wrote back (a phone owned by another vendor, ...) keep it out too.
  const recorded = (raw as { configProblems?: unknown } | undefined)?.configProblems;
  if (Array.isArray(recorded) && recorded.length > 0)
    return { usable: false, id, problems: recorded.map(String), source: "onboarding" };
  const parsed = schema.safeParse(withoutRuntimeFields(raw));
  if (!parsed.success) return { usable: false, id, problems: describeIssues(parsed.error), source: "schema" };
  return { usable: true, instance: { id, ...parsed.data } as I };
}

/** A raw `waba_instances` document checked as a number of its own provider (Wasender unless "meta" or "unipile"). */
export function checkInstance(id: string, raw: unknown): InstanceCheck {
  const provider = (raw as { provider?: unknown } | undefined)?.provider;
  if (provider === "meta") return check<MetaInstance>(metaInstanceSchema, id, raw);
  if (provider === "unipile") return check<UnipileInstance>(unipileInstanceSchema, id, raw);
  return check<WasenderInstance>(wasenderInstanceSchema, id, raw);
}

/** A raw `waba_instances` document checked as a Wasender number (what the Wasender webhooks and WABAManager serve). */
export function checkWasenderInstance(id: string, raw: unknown): InstanceCheck<WasenderInstance> {
  return check<WasenderInstance>(wasenderInstanceSchema, id, raw);
}

export function isWasender(instance: MessagingInstance): instance is WasenderInstance {
  return instance.provider === "wasender";
}

/** The Cloud API number a Wasender number fails over to, when it has one configured. */
export function hasMetaFailover(instance: MessagingInstance): boolean {
  return (
    instance.provider === "wasender" &&
    instance.failoverProvider === "meta" &&
    !!instance.metaPhoneNumberId &&
    !!instance.metaAccessToken
  );
}

/** The provider a Wasender number's replies fail over to, when that failover is configured. */
export function failoverOf(instance: MessagingInstance): "meta" | "unipile" | undefined {
  if (hasMetaFailover(instance)) return "meta";
  if (hasUnipileFailover(instance)) return "unipile";
  return undefined;
}

/** A Wasender number whose replies go out through Unipile while its session cannot take them. */
export function hasUnipileFailover(instance: MessagingInstance): boolean {
  return instance.provider === "wasender" && instance.failoverProvider === "unipile" && sendsWithUnipile(instance);
}

/** Whether the number has what sending through Unipile needs. */
export function sendsWithUnipile(instance: MessagingInstance): boolean {
  return !!instance.unipileAccountId && !!instance.unipileApiKey && !!instance.unipileApiUrl;
}

/** Whether Unipile's webhooks for this number can be received (routed by account id, authenticated). */
export function receivesUnipile(instance: MessagingInstance): boolean {
  return !!instance.unipileAccountId && !!instance.unipileWebhookSecret;
}

/** Whether Meta's webhooks for this number can be received (verified and authenticated). */
export function receivesMeta(instance: MessagingInstance): boolean {
  return !!instance.metaPhoneNumberId && !!instance.metaAppSecret && !!instance.metaVerifyToken;
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
