import { createHash } from "node:crypto";
import { Pool } from "undici";
import { MetaCloudService, type MetaCloudConfig } from "./meta-cloud-service";

/**
 * One `MetaCloudService` per vendor number, created on first use and kept for the life of the function
 * instance; one pooled undici client per Graph origin, shared by every vendor, so a warm instance
 * reuses its keep-alive TLS connections. A changed token, number id or URL yields a new service.
 */
export class MetaCloudRegistry {
  private readonly services = new Map<string, { fingerprint: string; service: MetaCloudService }>();
  private readonly pools = new Map<string, Pool>();

  getService(config: MetaCloudConfig): MetaCloudService {
    const key = `${config.vendorId}/${config.wabaInstanceId}`;
    // Hashed so the map never holds a second copy of the token in clear.
    const fingerprint = createHash("sha256")
      .update(`${config.apiUrl}\n${config.accessToken}\n${config.phoneNumberId}\n${config.timeoutMs ?? ""}`)
      .digest("hex");
    const cached = this.services.get(key);
    if (cached && cached.fingerprint === fingerprint) return cached.service;
    const service = new MetaCloudService(config, this.poolFor(config.apiUrl));
    this.services.set(key, { fingerprint, service });
    return service;
  }

  get size(): number {
    return this.services.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
    this.services.clear();
  }

  private poolFor(apiUrl: string): Pool {
    const origin = new URL(apiUrl).origin;
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 16, keepAliveTimeout: 30_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

let registry: MetaCloudRegistry | undefined;

/** The process-wide registry, lazily created (as `getVendorWasenderRegistry()`). */
export function getMetaCloudRegistry(): MetaCloudRegistry {
  registry ??= new MetaCloudRegistry();
  return registry;
}
