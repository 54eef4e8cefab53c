import { Redis } from "@upstash/redis";
import { logger } from "firebase-functions";

/** Entries live one hour in Redis, as the design document promises. */
export const CACHE_TTL_SECONDS = 3600;
/**
 * In front of a healthy Redis, memory keeps an entry only briefly, to absorb bursts: changes are
 * invalidated in Redis at once, and this bounds how long a warm instance can still use its copy.
 * Without Redis, memory is the only tier and keeps entries the full hour (invalidated locally).
 */
const MEMORY_TTL_WITH_REDIS_MS = 2_000;
/** After a Redis failure, memory alone serves for this long before Redis is tried again. */
const REDIS_RETRY_AFTER_MS = 30_000;
/** A cache that answers slower than this is treated as down: the documents are faster. */
const REDIS_TIMEOUT_MS = 1_000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export interface RedisConfig {
  url: string;
  token: string;
}

/**
 * A two-tier cache: per-instance memory in front of Upstash Redis. Runs on memory alone without Redis
 * credentials or while Redis fails, logging the degraded state once per change, not per request.
 */
export class TieredCache {
  private readonly memory = new Map<string, { value: unknown; expiresAt: number }>();
  private readonly redis: Redis | undefined;
  private degradedUntil = 0;
  private degraded = false;

  constructor(redisConfig: RedisConfig | undefined, private readonly namespace = "livepay:v1:") {
    this.redis = redisConfig ? new Redis({ url: redisConfig.url, token: redisConfig.token, retry: false, enableTelemetry: false }) : undefined;
    if (!redisConfig) logger.info("cache: no Redis credentials, running on memory only");
  }

  get usesRedis(): boolean {
    return this.redis !== undefined && !this.degraded;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const local = this.memory.get(key);
    if (local && local.expiresAt > Date.now()) return local.value as T;
    this.memory.delete(key);
    const redis = this.healthyRedis();
    if (!redis) return undefined;
    try {
      const value = await withTimeout(redis.get<T>(this.namespace + key));
      this.recovered();
      if (value === null || value === undefined) return undefined;
      this.remember(key, value);
      return value;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    this.remember(key, value);
    const redis = this.healthyRedis();
    if (!redis) return;
    try {
      await withTimeout(redis.set(this.namespace + key, value, { ex: CACHE_TTL_SECONDS }));
      this.recovered();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Drops keys everywhere this instance can reach: its memory and Redis (hence every instance's next miss). */
  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.memory.delete(key);
    const redis = this.healthyRedis();
    if (!redis || keys.length === 0) return;
    try {
      await withTimeout(redis.del(...keys.map((key) => this.namespace + key)));
      this.recovered();
    } catch (error) {
      this.fail(error);
    }
  }

  private remember(key: string, value: unknown): void {
    const ttl = this.redis && !this.degraded ? MEMORY_TTL_WITH_REDIS_MS : CACHE_TTL_SECONDS * 1000;
    this.memory.set(key, { value, expiresAt: Date.now() + ttl });
  }

  private healthyRedis(): Redis | undefined {
    if (!this.redis) return undefined;
    return Date.now() >= this.degradedUntil ? this.redis : undefined;
  }

  private fail(error: unknown): void {
    this.degradedUntil = Date.now() + REDIS_RETRY_AFTER_MS;
    if (!this.degraded) {
      this.degraded = true;
      logger.warn("cache: Redis unavailable, running on memory only", {
        error: error instanceof Error ? error.message : String(error),
        retryInSeconds: REDIS_RETRY_AFTER_MS / 1000,
      });
    }
  }

  private recovered(): void {
    if (this.degraded) {
      this.degraded = false;
      logger.info("cache: Redis available again");
    }
  }
}
