import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Constant-time equality of two strings of any length: both sides are hashed first, so neither the
 * content nor the length of the expected value leaks through timing. Every provider's webhook secret
 * and verify token is compared with it.
 */
export function constantTimeEquals(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}
