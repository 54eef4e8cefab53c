import type { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { LRUCache } from "lru-cache";
import { header, type WebhookRequest } from "../http/handler";
import { keyHasher, type KeyHasher } from "../shared/key-hash";
import { logger } from "../shared/logger";
import { MinuteLimiters } from "../shared/minute-limiters";
import type { RedisConfig } from "../shared/tiered-cache";

/** A buyer opens a pay link a few times; carrier NAT puts many buyers behind one address, hence the margin. */
export const PAY_LINK_LIMITS = { perClientPerMinute: 30, perVendorPerMinute: 600 };
export type PayLinkLimits = typeof PAY_LINK_LIMITS;

export type PayLinkVerdict =
  { allowed: true } | { allowed: false; scope: "client" | "vendor"; retryAfterSeconds: number };

const WINDOW_MS = 60_000;
/** Memory windows kept at most: a flood of new addresses evicts the oldest instead of growing. */
const MEMORY_KEYS = 10_000;

/**
 * The buyer's address: `fastly-client-ip`, which Firebase Hosting sets, else the first `x-forwarded-for`
 * entry (a call to the function's own URL). Both can be sent by a caller who skips Hosting; the
 * per-vendor limit still bounds what such a caller does.
 */
export function clientAddress(request: WebhookRequest): string {
  const fastly = header(request, "fastly-client-ip")?.trim();
  if (fastly) return fastly;
  const forwarded = header(request, "x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || "unknown";
}

const retryAfter = (resetAtMs: number) => Math.max(1, Math.ceil((resetAtMs - Date.now()) / 1000));

/** Fixed one-minute windows in this instance's memory: without Redis, or while it fails. */
class MemoryWindows {
  private readonly windows = new LRUCache<string, { start: number; count: number }>({
    max: MEMORY_KEYS,
    ttl: WINDOW_MS,
  });

  hit(key: string, limit: number): { ok: boolean; resetAtMs: number } {
    const now = Date.now();
    const window = this.windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      this.windows.set(key, { start: now, count: 1 });
      return { ok: 1 <= limit, resetAtMs: now + WINDOW_MS };
    }
    window.count += 1;
    return { ok: window.count <= limit, resetAtMs: window.start + WINDOW_MS };
  }
}

/**
 * Limits on the public pay link, per client address and per vendor (@upstash/ratelimit, one-minute
 * sliding window, Redis when configured; memory otherwise or while Redis fails). Redis keys hold only a
 * keyed hash of the address (HMAC-SHA256 with a secret no Redis reader has), never the address.
 */
export class PayLinkLimiter {
  private readonly redis: Redis | undefined;
  private minuteLimiters: MinuteLimiters | undefined;
  private readonly memory = new MemoryWindows();
  private degraded = false;
  private readonly clients: KeyHasher;

  /** `hashSecret`: CONFIG_CACHE_KEY when set (else the Redis token keys the address hashes). */
  constructor(
    redisConfig: RedisConfig | undefined,
    hashSecret: string | undefined,
    private readonly limits: PayLinkLimits = PAY_LINK_LIMITS,
  ) {
    this.clients = keyHasher(hashSecret, redisConfig?.token);
    this.redis = redisConfig
      ? new Redis({ url: redisConfig.url, token: redisConfig.token, retry: false, enableTelemetry: false })
      : undefined;
  }

  async check(client: string, vendorId: string): Promise<PayLinkVerdict> {
    const hashed = this.clients.hash(client);
    const checks: Array<["client" | "vendor", string, number]> = [
      ["client", `client:${hashed}`, this.limits.perClientPerMinute],
      ["vendor", `vendor:${vendorId}`, this.limits.perVendorPerMinute],
    ];
    for (const [scope, key, limit] of checks) {
      const { ok, resetAtMs } = await this.hit(key, limit);
      if (!ok) return { allowed: false, scope, retryAfterSeconds: retryAfter(resetAtMs) };
    }
    return { allowed: true };
  }

  private limiter(limit: number): Ratelimit {
    this.minuteLimiters ??= new MinuteLimiters(this.redis!, "livepay:paylink");
    return this.minuteLimiters.of(limit);
  }

  private async hit(key: string, limit: number): Promise<{ ok: boolean; resetAtMs: number }> {
    if (this.redis) {
      try {
        const result = await this.limiter(limit).limit(key);
        if (this.degraded) {
          this.degraded = false;
          logger.info("pay link limits: Redis available again");
        }
        return { ok: result.success, resetAtMs: result.reset };
      } catch (error) {
        if (!this.degraded) {
          this.degraded = true;
          logger.warn("pay link limits: Redis unavailable, counting in memory", {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
    return this.memory.hit(key, limit);
  }
}
