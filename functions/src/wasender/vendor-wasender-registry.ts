import { createHash } from "node:crypto";
import { Pool } from "undici";
import { VendorWasenderService, type VendorWasenderConfig } from "./vendor-wasender-service";

/**
 * One `VendorWasenderService` per vendor number, created on first use and kept for the life of the
 * function instance; one pooled undici client per Wasender origin, shared by every vendor on it, so a
 * warm instance reuses its keep-alive connections. A changed key or URL (rotation) yields a new service.
 */
export class VendorWasenderRegistry {
  private readonly services = new Map<string, { fingerprint: string; service: VendorWasenderService }>();
  private readonly pools = new Map<string, Pool>();

  getService(config: VendorWasenderConfig): VendorWasenderService {
    const key = `${config.vendorId}/${config.wabaInstanceId}`;
    const fingerprint = createHash("sha256").update(`${config.apiUrl}\n${config.apiKey}\n${config.accessToken ?? ""}\n${config.instanceId ?? ""}`).digest("hex");
    const cached = this.services.get(key);
    if (cached && cached.fingerprint === fingerprint) return cached.service;
    const service = new VendorWasenderService(config, this.poolFor(config.apiUrl));
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

let registry: VendorWasenderRegistry | undefined;

/** The process-wide registry (lazily created), as the design document's `getVendorWasenderRegistry()`. */
export function getVendorWasenderRegistry(): VendorWasenderRegistry {
  registry ??= new VendorWasenderRegistry();
  return registry;
}
