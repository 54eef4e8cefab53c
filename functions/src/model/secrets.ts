import { z } from "zod";

/** The shortest secret an operator or a vendor may set: a webhook secret much shorter than this can be guessed. */
export const MIN_SECRET_LENGTH = 16;

/** The secrets that let a request in (webhooks and Meta's verification): the ones a guess would open. */
export const WEBHOOK_SECRET_FIELDS = [
  "wasenderWebhookSecret",
  "previousWebhookSecret",
  "metaAppSecret",
  "metaVerifyToken",
  "unipileWebhookSecret",
] as const;

/**
 * A secret field of the console's number form: trimmed; empty keeps the stored secret (secrets are
 * write-only), anything else needs at least MIN_SECRET_LENGTH characters. Optional in the form:
 * `consoleSecretSchema.optional()`.
 */
export const consoleSecretSchema = z
  .string()
  .trim()
  .max(500)
  .refine((value) => value === "" || value.length >= MIN_SECRET_LENGTH, {
    message: `needs at least ${MIN_SECRET_LENGTH} characters (leave it empty to keep the stored one)`,
  });

/**
 * The webhook secrets of a stored number that are shorter than MIN_SECRET_LENGTH (set before the
 * console asked for that length, or in Firestore directly): their names, never their values.
 */
export function shortWebhookSecrets(raw: Record<string, unknown>): string[] {
  return WEBHOOK_SECRET_FIELDS.filter((field) => {
    const value = raw[field];
    return typeof value === "string" && value.length > 0 && value.length < MIN_SECRET_LENGTH;
  });
}
