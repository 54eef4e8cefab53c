/**
 * `X-RateLimit-Reset`, documented both as a Unix time (seconds) and as seconds to wait: a value past
 * 10^9 can only be a Unix time.
 */
export function secondsFromRateLimitReset(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value.trim());
  if (!Number.isFinite(parsed) || parsed < 0) return undefined;
  if (parsed > 1e9) return Math.max(0, parsed - now / 1000);
  return parsed;
}
