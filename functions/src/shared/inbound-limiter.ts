import type { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { keyHasher, type KeyHasher } from "./key-hash";
import { logger } from "./logger";
import { MinuteLimiters } from "./minute-limiters";
import type { RedisConfig } from "./tiered-cache";

export interface InboundLimits {
  perCustomerPerMinute: number;
  perVendorPerMinute: number;
}

export type LimitVerdict =
  | { allowed: true }
  | {
      allowed: false;
      scope: "customer" | "vendor";
      limit: number;
      /** first refusal of this window: tell the customer once */ notify: boolean;
    };

const WINDOW_MS = 60_000;

/** What time it is, in milliseconds: `Date.now` unless a test sets the time. */
export type Clock = () => number;

/** Fixed one-minute windows in this instance's memory: the fallback while Redis cannot be used. */
class MemoryWindows {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly clock: Clock) {}

  hit(key: string, limit: number): boolean {
    const now = this.clock();
    const window = this.windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size > 10_000) this.windows.clear(); // bounded memory under a flood of new keys
      this.windows.set(key, { start: now, count: 1 });
      return 1 <= limit;
    }
    window.count += 1;
    return window.count <= limit;
  }

  firstTime(key: string): boolean {
    return this.hit(`notice:${key}`, 1);
  }
}

/**
 * Per-customer and per-vendor limits on what reaches the chat engine (@upstash/ratelimit, sliding
 * window of one minute). Messages over the limit are still stored; only the engine does not run, and
 * the customer hears "please slow down" once per window. Falls back to memory while Redis fails.
 */
export class InboundLimiter {
  private readonly redis: Redis | undefined;
  private minuteLimiters: MinuteLimiters | undefined;
  private readonly memory: MemoryWindows;
  private readonly customers: KeyHasher;
  private degraded = false;

  /**
   * `hashSecret`: the secret the buyers' keyed hashes are derived from (CONFIG_CACHE_KEY); without one,
   * the Redis token. `clock`: the time the windows count by. In memory it is used as is; Redis windows
   * are @upstash/ratelimit's, which reads `Date.now` itself (a test sets that time through its runner).
   */
  constructor(redisConfig: RedisConfig | undefined, hashSecret?: string, clock: Clock = Date.now) {
    this.memory = new MemoryWindows(clock);
    this.redis = redisConfig
      ? new Redis({ url: redisConfig.url, token: redisConfig.token, retry: false, enableTelemetry: false })
      : undefined;
    this.customers = keyHasher(hashSecret, redisConfig?.token);
  }

  /**
   * `messageId`: the message being decided. Production delivers a message's trigger at least once (a
   * run that died is run again, a duplicate may run beside it), and each run asks: a message is counted
   * the first time only, so redeliveries never spend the buyer's allowance. (A redelivery of a message
   * refused before is let through: lenient, and only after a run died.)
   */
  async check(vendorId: string, customer: string, limits: InboundLimits, messageId?: string): Promise<LimitVerdict> {
    if (messageId !== undefined && !(await this.firstCount(`${vendorId}:${messageId}`))) return { allowed: true };
    // The buyer's number never names a key (shared/key-hash.ts).
    const buyer = this.customers.hash(customer);
    const checks: Array<["customer" | "vendor", string, number]> = [
      ["customer", `customer:${vendorId}:${buyer}`, limits.perCustomerPerMinute],
      ["vendor", `vendor:${vendorId}`, limits.perVendorPerMinute],
    ];
    for (const [scope, key, limit] of checks) {
      if (await this.allows(key, limit)) continue;
      return { allowed: false, scope, limit, notify: await this.firstNotice(`${scope}:${vendorId}:${buyer}`) };
    }
    return { allowed: true };
  }

  private limiter(limit: number): Ratelimit {
    this.minuteLimiters ??= new MinuteLimiters(this.redis!, "livepay:ratelimit");
    return this.minuteLimiters.of(limit);
  }

  private async allows(key: string, limit: number): Promise<boolean> {
    if (this.redis) {
      try {
        const result = await this.limiter(limit).limit(key);
        this.recovered();
        return result.success;
      } catch (error) {
        this.fail(error);
      }
    }
    return this.memory.hit(key, limit);
  }

  /** Whether this is the first time a message is counted (within the window). */
  private async firstCount(key: string): Promise<boolean> {
    if (this.redis && !this.degraded) {
      try {
        return (await this.redis.set(`livepay:counted:${key}`, 1, { nx: true, px: WINDOW_MS })) === "OK";
      } catch (error) {
        this.fail(error);
      }
    }
    return this.memory.firstTime(`counted:${key}`);
  }

  private async firstNotice(key: string): Promise<boolean> {
    if (this.redis && !this.degraded) {
      try {
        const set = await this.redis.set(`livepay:slowdown:${key}`, 1, { nx: true, px: WINDOW_MS });
        return set === "OK";
      } catch (error) {
        this.fail(error);
      }
    }
    return this.memory.firstTime(key);
  }

  private fail(error: unknown): void {
    if (!this.degraded) {
      this.degraded = true;
      logger.warn("rate limits: Redis unavailable, counting in memory", {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private recovered(): void {
    if (this.degraded) {
      this.degraded = false;
      logger.info("rate limits: Redis available again");
    }
  }
}
