import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";

/** A Redis that answers slower than this counts as down: the limiter falls back to memory. */
const REDIS_TIMEOUT_MS = 1_000;

/**
 * @upstash/ratelimit's one-minute sliding windows on one Redis and key prefix, one limiter per limit
 * (the limit is part of a limiter), built on first use. Shared by the inbound and pay-link limiters.
 */
export class MinuteLimiters {
  private readonly byLimit = new Map<number, Ratelimit>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  of(limit: number): Ratelimit {
    let limiter = this.byLimit.get(limit);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: this.redis,
        limiter: Ratelimit.slidingWindow(limit, "60 s"),
        prefix: this.prefix,
        timeout: REDIS_TIMEOUT_MS,
        analytics: false,
      });
      this.byLimit.set(limit, limiter);
    }
    return limiter;
  }
}
