import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Constant-time equality of two strings of any length: both sides are hashed first, so neither the
 * content nor the length of the expected value leaks through timing. Every webhook secret, signature
 * and verify token (messaging and payment providers alike) is compared with it.
 */
export function constantTimeEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** Hex HMAC-SHA256 of the bytes, keyed by the secret: the signature most providers put in a header. */
export function hmacSha256Hex(secret: string, payload: Buffer): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

export function sha512Hex(text: string): string {
  return createHash("sha512").update(text, "utf8").digest("hex");
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
