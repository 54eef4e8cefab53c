import { Timestamp } from "firebase-admin/firestore";
import { CONFIG_CACHE_KEY, UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL } from "../config/params";
import { logger } from "../shared/logger";
import { MIN_CACHE_KEY_LENGTH } from "../shared/sealed-value";
import { TieredCache, type CacheRedisConfig } from "../shared/tiered-cache";
import { firestore } from "../shared/firestore";
import { VENDOR_CONFIGS, WABA_INSTANCES } from "./collections";

let cache: TieredCache | undefined;

function secretValue(secret: typeof UPSTASH_REDIS_REST_URL): string {
  try {
    return secret.value() ?? "";
  } catch {
    return ""; // not bound to this function, or read outside a function
  }
}

export function redisConfig() {
  const url = secretValue(UPSTASH_REDIS_REST_URL);
  const token = secretValue(UPSTASH_REDIS_REST_TOKEN);
  return /^https?:\/\//.test(url) && token ? { url, token } : undefined;
}

/**
 * Redis for the configuration cache: only with a key to seal its entries (CONFIG_CACHE_KEY), so that no
 * credential reaches Redis in clear; without one the cache keeps to memory, and says so once.
 */
export function cacheRedisConfig(): CacheRedisConfig | undefined {
  const redis = redisConfig();
  if (!redis) return undefined;
  const encryptionKey = secretValue(CONFIG_CACHE_KEY);
  if (encryptionKey.length < MIN_CACHE_KEY_LENGTH) {
    logger.warn("cache: Redis is set but CONFIG_CACHE_KEY is missing or too short, configuration in memory only", {
      minLength: MIN_CACHE_KEY_LENGTH,
    });
    return undefined;
  }
  return { ...redis, encryptionKey };
}

/**
 * The secret the keyed hashes in Redis key names (buyers' numbers, pay-link clients) are derived from
 * (shared/key-hash.ts): the cache key when one is set; otherwise undefined, and the Redis token is used.
 */
export function keyHashSecret(): string | undefined {
  const key = secretValue(CONFIG_CACHE_KEY);
  return key.length >= MIN_CACHE_KEY_LENGTH ? key : undefined;
}

/** The process-wide two-tier cache (memory, plus Redis when credentials are set): vendor snapshots and index entries. */
export function configCache(): TieredCache {
  cache ??= new TieredCache(cacheRedisConfig());
  return cache;
}

/** Timestamps as ISO strings, so a document survives JSON (Redis) unchanged for the schemas. */
function toPlain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPlain(inner)]));
  }
  return value;
}

/** What the webhook needs to know about a vendor: its config and all its instances, as stored. */
export interface VendorSnapshot {
  config: Record<string, unknown> | null;
  instances: Array<{ id: string; data: Record<string, unknown> }>;
  /** When it was read from Firestore (ms; taken before the read, so never younger than the data). */
  readAt?: number;
}

export interface VendorSnapshotRead extends VendorSnapshot {
  readAt: number;
  fromCache: boolean;
}

export interface SnapshotOptions {
  /** Skip the cache: read the documents (and cache what was read). */
  fresh?: boolean;
  /** Treat a cached entry read from Firestore longer ago than this as absent. */
  maxAgeMs?: number;
  /** Look in Redis even when memory has the entry (a trigger's delete, another instance's newer read). */
  skipMemory?: boolean;
}

export const vendorKey = (vendorId: string) => `vendor:${vendorId}`;
export const indexKey = (kind: string, key: string) => `index:${kind}:${key}`;

/**
 * A vendor id without a `vendor_configs` document is remembered this long (memory, and Redis when there
 * is one), so repeated requests for an unknown vendor cost no read; the triggers' invalidation clears it
 * in Redis (and in their own memory) at once, so a vendor onboarded meanwhile waits at most this long.
 */
export const NEGATIVE_TTL_SECONDS = 30;

/**
 * How a changed credential (webhook secret, API key, session id, token; any field of the documents)
 * reaches every function instance within 5 s, which a trigger's invalidation alone cannot do without
 * Redis (it reaches only the memory of the instance that ran it):
 * - memory only: a cached snapshot read from Firestore more than ACCEPT_MAX_AGE_MS ago is read again
 *   before its credentials are used (4 s leaves room inside the 5 s for the request itself);
 * - with Redis: memory keeps a copy 2 s, and the triggers drop the Redis entry on every change; in case
 *   a trigger is lost, one read more than REDIS_SAFETY_NET_MS ago is read again too.
 */
export const ACCEPT_MAX_AGE_MS = 4_000;
export const REDIS_SAFETY_NET_MS = 30_000;

/** The vendor configuration cache of one function instance (a test may build several, as several instances). */
export class ConfigCache {
  /** Firestore reads in flight, per vendor: concurrent misses (a burst after an invalidation) share one. */
  private readonly loading = new Map<string, Promise<VendorSnapshot & { readAt: number }>>();

  constructor(readonly tiers: TieredCache) {}

  get usesRedis(): boolean {
    return this.tiers.usesRedis;
  }

  /**
   * The vendor's config and instances: from the cache on a warm path (no Firestore read), else one
   * document read and one query, then cached (an unknown vendor too, briefly).
   */
  async readVendorSnapshot(
    vendorId: string,
    { fresh = false, maxAgeMs, skipMemory = false }: SnapshotOptions = {},
  ): Promise<VendorSnapshotRead> {
    if (!fresh) {
      const cached = await this.tiers.get<VendorSnapshot>(vendorKey(vendorId), { skipMemory });
      // An entry written before `readAt` existed counts as read at the epoch: never fresh.
      const readAt = cached?.readAt ?? 0;
      if (cached && (maxAgeMs === undefined || Date.now() - readAt <= maxAgeMs))
        return { ...cached, readAt, fromCache: true };
    }
    let load = this.loading.get(vendorId);
    if (!load) {
      load = this.load(vendorId).finally(() => this.loading.delete(vendorId));
      this.loading.set(vendorId, load);
    }
    return { ...(await load), fromCache: false };
  }

  private async load(vendorId: string): Promise<VendorSnapshot & { readAt: number }> {
    const readAt = Date.now();
    const db = firestore();
    const [config, instances] = await Promise.all([
      db.collection(VENDOR_CONFIGS).doc(vendorId).get(),
      db.collection(WABA_INSTANCES).where("vendorId", "==", vendorId).get(),
    ]);
    const snapshot = {
      config: config.exists ? (toPlain(config.data()) as Record<string, unknown>) : null,
      instances: instances.docs.map((doc) => ({ id: doc.id, data: toPlain(doc.data()) as Record<string, unknown> })),
      readAt,
    };
    const known = snapshot.config !== null;
    await this.tiers.set(vendorKey(vendorId), snapshot, {
      readAt,
      ...(!known && { ttlSeconds: NEGATIVE_TTL_SECONDS }),
    });
    return snapshot;
  }

  /** How old a snapshot may be when its credentials are used (see ACCEPT_MAX_AGE_MS). */
  get credentialMaxAgeMs(): number {
    return this.usesRedis ? REDIS_SAFETY_NET_MS : ACCEPT_MAX_AGE_MS;
  }

  /** The snapshot, read again first when too old to use its credentials (a send's, a webhook check's). */
  async readForCredentials(vendorId: string): Promise<VendorSnapshotRead> {
    const snapshot = await this.readVendorSnapshot(vendorId);
    const maxAgeMs = this.credentialMaxAgeMs;
    if (!snapshot.fromCache || Date.now() - snapshot.readAt <= maxAgeMs) return snapshot;
    return this.readVendorSnapshot(vendorId, { maxAgeMs, skipMemory: true });
  }

  async invalidate(keys: string[]): Promise<void> {
    await this.tiers.delete([...new Set(keys)]);
  }
}

let defaultCache: ConfigCache | undefined;

/** This function instance's configuration cache. */
export function vendorConfigCache(): ConfigCache {
  defaultCache ??= new ConfigCache(configCache());
  return defaultCache;
}

/** See ConfigCache.readVendorSnapshot; on this function instance's cache. */
export function readVendorSnapshot(vendorId: string, options: SnapshotOptions = {}): Promise<VendorSnapshotRead> {
  return vendorConfigCache().readVendorSnapshot(vendorId, options);
}

/** Called by the triggers on every change to these documents. */
export async function invalidateConfig(keys: string[]): Promise<void> {
  await vendorConfigCache().invalidate(keys);
}
