import { Timestamp } from "firebase-admin/firestore";
import { UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL } from "../config/params";
import { TieredCache } from "../shared/tiered-cache";
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

/** The process-wide configuration cache (memory, plus Redis when credentials are set). */
export function configCache(): TieredCache {
  cache ??= new TieredCache(redisConfig());
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
}

export const vendorKey = (vendorId: string) => `vendor:${vendorId}`;
export const indexKey = (kind: string, key: string) => `index:${kind}:${key}`;

/**
 * The vendor's config and instances: from the cache on a warm path (no Firestore read), else one
 * document read and one query, then cached. `fresh` skips the cache (e.g. after a failed signature,
 * so a just-rotated secret works at once).
 */
export async function readVendorSnapshot(vendorId: string, { fresh = false } = {}): Promise<VendorSnapshot & { fromCache: boolean }> {
  if (!fresh) {
    const cached = await configCache().get<VendorSnapshot>(vendorKey(vendorId));
    if (cached) return { ...cached, fromCache: true };
  }
  const db = firestore();
  const [config, instances] = await Promise.all([
    db.collection(VENDOR_CONFIGS).doc(vendorId).get(),
    db.collection(WABA_INSTANCES).where("vendorId", "==", vendorId).get(),
  ]);
  const snapshot: VendorSnapshot = {
    config: config.exists ? (toPlain(config.data()) as Record<string, unknown>) : null,
    instances: instances.docs.map((doc) => ({ id: doc.id, data: toPlain(doc.data()) as Record<string, unknown> })),
  };
  if (snapshot.config || snapshot.instances.length > 0) await configCache().set(vendorKey(vendorId), snapshot);
  return { ...snapshot, fromCache: false };
}

/** Called by the triggers on every change to these documents. */
export async function invalidateConfig(keys: string[]): Promise<void> {
  await configCache().delete([...new Set(keys)]);
}
