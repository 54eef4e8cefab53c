import { constantTimeEquals, hmacSha256Hex } from "../shared/crypto";
import type { SignatureScheme } from "../model/waba-instance";

/** Wasender's real header: its value is the webhook secret itself. */
export const SECRET_HEADER = "x-webhook-signature";
/** The design document's header: hex HMAC-SHA256 of the raw request bytes, keyed by the secret. */
export const HMAC_HEADER = "x-wasender-signature";

export interface SignatureHeaders {
  secretHeader?: string;
  hmacHeader?: string;
}

export type SignatureVerdict = "valid" | "missing" | "invalid";

/**
 * Checks a request against one secret. Under `any`, a request carrying both headers passes when
 * either is right; a header the scheme does not accept counts as absent.
 */
export function verifySignature(
  scheme: SignatureScheme,
  secret: string,
  rawBody: Buffer,
  headers: SignatureHeaders,
): SignatureVerdict {
  const checks: boolean[] = [];
  if (scheme !== "hmac" && headers.secretHeader !== undefined) {
    checks.push(constantTimeEquals(headers.secretHeader.trim(), secret));
  }
  if (scheme !== "secret" && headers.hmacHeader !== undefined) {
    const given = headers.hmacHeader
      .trim()
      .replace(/^sha256=/i, "")
      .toLowerCase();
    checks.push(constantTimeEquals(given, hmacSha256Hex(secret, rawBody)));
  }
  if (checks.length === 0) return "missing";
  return checks.some(Boolean) ? "valid" : "invalid";
}
