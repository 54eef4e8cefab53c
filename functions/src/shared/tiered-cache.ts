import { Redis } from "@upstash/redis";
import { logger } from "./logger";
import { ValueSealer } from "./sealed-value";

/** Entries live one hour in Redis, as the design document promises. */
export const CACHE_TTL_SECONDS = 3600;
/**
 * With Redis configured, memory keeps an entry only briefly, to absorb bursts: changes are invalidated
 * in Redis at once, and this bounds how long a warm instance can still use its copy (also while Redis
 * fails: the documents are then read again every 2 s). Without Redis credentials, memory is the only
 * tier and keeps entries the full hour (invalidated locally; the webhook bounds what it accepts).
 */
const MEMORY_TTL_WITH_REDIS_MS = 2_000;
/** After a Redis failure, memory alone serves for this long before Redis is tried again. */
const REDIS_RETRY_AFTER_MS = 30_000;
/** A cache that answers slower than this is treated as down: the documents are faster. */
const REDIS_TIMEOUT_MS = 1_000;
/**
 * An invalidation Redis did not take is tried again this long after (then kept for the next successful
 * call): a blip while a trigger runs must not leave the old entry to every instance until the gate's
 * safety net re-reads it.
 */
const INVALIDATION_RETRIES_MS = [250, 1_000];
/**
 * Memory holds at most this many entries per function instance (the oldest written goes first), so that
 * requests naming ever new keys (unknown vendor ids, say) cannot grow it without bound.
 */
export const MAX_MEMORY_ENTRIES = 10_000;

/**
 * What an invalidation leaves in Redis instead of deleting the key: the time it happened. A reader
 * takes it as a miss; a writer whose Firestore read started before that time may not replace it, so a
 * read racing the change (begun before, finished after the trigger) cannot put the old value back.
 */
const INVALIDATED_AT = "__invalidatedAt";

function isTombstone(value: unknown): boolean {
  return value !== null && typeof value === "object" && INVALIDATED_AT in value;
}

/** SET unless the key holds a tombstone at least as recent as the value's read (ARGV: json, readAt, ttl). */
const SET_UNLESS_INVALIDATED = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and decoded['${INVALIDATED_AT}'] and tonumber(decoded['${INVALIDATED_AT}']) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[3]))
return 1`;

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

/** The cache's Redis: every value it writes there is sealed with `encryptionKey` (see ValueSealer). */
export interface CacheRedisConfig extends RedisConfig {
  encryptionKey: string;
}

/**
 * A two-tier cache: per-instance memory in front of Upstash Redis, where values are stored sealed
 * (encrypted; only invalidation tombstones, a time, are written in clear). Runs on memory alone without
 * Redis credentials or while Redis fails, logging the degraded state once per change, not per request.
 */
export class TieredCache {
  private readonly memory = new Map<string, { value: unknown; expiresAt: number }>();
  /** Invalidations not yet written to Redis (key -> when), retried after the next successful call. */
  private readonly pendingInvalidations = new Map<string, number>();
  private flushing = false;
  private readonly redis: Redis | undefined;
  private readonly sealer: ValueSealer | undefined;
  private degradedUntil = 0;
  private degraded = false;

  constructor(
    redisConfig: CacheRedisConfig | undefined,
    private readonly namespace = "livepay:v1:",
    private readonly maxMemoryEntries = MAX_MEMORY_ENTRIES,
  ) {
    this.redis = redisConfig
      ? new Redis({ url: redisConfig.url, token: redisConfig.token, retry: false, enableTelemetry: false })
      : undefined;
    this.sealer = redisConfig ? new ValueSealer(redisConfig.encryptionKey) : undefined;
    if (!redisConfig) logger.info("cache: no Redis credentials, running on memory only");
  }

  get usesRedis(): boolean {
    return this.redis !== undefined && !this.degraded;
  }

  /** `skipMemory`: ask Redis even when memory has the key (to see another instance's newer write, or a trigger's delete). */
  async get<T>(key: string, { skipMemory = false }: { skipMemory?: boolean } = {}): Promise<T | undefined> {
    const local = this.memory.get(key);
    const redis = this.healthyRedis();
    // Without a healthy Redis there is nothing else to ask: memory answers even when asked to skip it.
    if ((!skipMemory || !redis) && local && local.expiresAt > Date.now()) return local.value as T;
    if (!local || local.expiresAt <= Date.now()) this.memory.delete(key);
    if (!redis) return undefined;
    try {
      const stored = await withTimeout(redis.get(this.namespace + key));
      this.recovered();
      if (stored === null || stored === undefined || isTombstone(stored)) return undefined;
      const value = this.sealer?.open<T>(this.namespace + key, stored);
      if (value === undefined) return undefined;
      // Memory keeps a Redis entry 2 s at most, well inside any TTL it was written with.
      this.remember(key, value, CACHE_TTL_SECONDS);
      return value;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  /**
   * `ttlSeconds` (default one hour) bounds the entry in both tiers. `readAt`: when the value was read
   * from its source; Redis then keeps an invalidation made after that time instead of the value.
   */
  async set(
    key: string,
    value: unknown,
    { ttlSeconds = CACHE_TTL_SECONDS, readAt }: { ttlSeconds?: number; readAt?: number } = {},
  ): Promise<void> {
    this.remember(key, value, ttlSeconds);
    const redis = this.healthyRedis();
    if (!redis || !this.sealer) return;
    const sealed = this.sealer.seal(this.namespace + key, value);
    try {
      await withTimeout(
        readAt === undefined
          ? redis.set(this.namespace + key, sealed, { ex: ttlSeconds })
          : redis.eval(
              SET_UNLESS_INVALIDATED,
              [this.namespace + key],
              [JSON.stringify(sealed), readAt, Math.max(1, Math.ceil(ttlSeconds))],
            ),
      );
      this.recovered();
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Drops keys everywhere this instance can reach: its memory and Redis (hence every instance's next
   * miss). In Redis each key becomes a tombstone with the time, for an hour (see INVALIDATED_AT).
   * Redis is tried even while this instance counts it as failing, and an invalidation that does not
   * reach it is kept and written with the next successful call: a lost invalidation would leave the
   * old value in Redis for every instance for an hour.
   */
  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.memory.delete(key);
    if (!this.redis || keys.length === 0) return;
    for (const key of keys) this.pendingInvalidations.set(key, Date.now());
    await this.flushInvalidations();
    for (const pause of INVALIDATION_RETRIES_MS) {
      if (!keys.some((key) => this.pendingInvalidations.has(key))) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
      await this.flushInvalidations();
    }
    const pending = keys.filter((key) => this.pendingInvalidations.has(key));
    if (pending.length > 0) {
      // Other instances may use the old entries until REDIS_SAFETY_NET_MS re-reads them (webhook credentials) or they expire.
      logger.error("cache: invalidation not written to Redis", { keys: pending });
    }
  }

  /** Keys invalidated here that Redis has not taken yet (written with the next successful call). */
  get pendingInvalidationCount(): number {
    return this.pendingInvalidations.size;
  }

  private async flushInvalidations(): Promise<void> {
    if (!this.redis || this.pendingInvalidations.size === 0 || this.flushing) return;
    this.flushing = true;
    const batch = [...this.pendingInvalidations];
    try {
      await withTimeout(
        Promise.all(
          batch.map(([key, at]) =>
            this.redis!.set(this.namespace + key, { [INVALIDATED_AT]: at }, { ex: CACHE_TTL_SECONDS }),
          ),
        ),
      );
      // Only what was written: a key invalidated again meanwhile stays pending with its newer time.
      for (const [key, at] of batch)
        if (this.pendingInvalidations.get(key) === at) this.pendingInvalidations.delete(key);
      this.flushing = false;
      this.recovered();
    } catch (error) {
      this.flushing = false;
      this.fail(error);
    }
  }

  private remember(key: string, value: unknown, ttlSeconds: number): void {
    // With Redis configured, memory stays short even while Redis is failing: other instances'
    // invalidations cannot reach this memory, so a long-lived copy would outlive a change for an hour.
    const ttl = Math.min(this.redis ? MEMORY_TTL_WITH_REDIS_MS : CACHE_TTL_SECONDS * 1000, ttlSeconds * 1000);
    // Re-inserted at the end: Map keeps insertion order, so the first key is the one written longest ago.
    this.memory.delete(key);
    this.memory.set(key, { value, expiresAt: Date.now() + ttl });
    while (this.memory.size > this.maxMemoryEntries) {
      const oldest = this.memory.keys().next().value;
      if (oldest === undefined) break;
      this.memory.delete(oldest);
    }
  }

  /** How many entries this instance holds in memory (expired ones included until touched or evicted). */
  get memorySize(): number {
    return this.memory.size;
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
    if (this.pendingInvalidations.size > 0) void this.flushInvalidations();
  }
}
