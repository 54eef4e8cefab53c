import { createHash } from "node:crypto";
import { Pool } from "undici";
import { MetaCloudService, type MetaCloudConfig } from "../meta/meta-cloud-service";
import { UnipileService, type UnipileConfig } from "../unipile/unipile-service";
import { VendorWasenderService, type VendorWasenderConfig } from "../wasender/vendor-wasender-service";

/** What makes one vendor number's service different: a change (a rotated key, a new URL) yields a new one. */
type Fingerprint = readonly (string | number | undefined)[];

/**
 * Every provider's services in this process: one per vendor number and provider, created on first use
 * and kept for the life of the function instance, over one pooled undici client per origin, shared by
 * every vendor on it, so a warm instance reuses its keep-alive connections. A changed credential or
 * URL yields a new service at the next send.
 */
export class ProviderServices {
  private readonly services = new Map<string, { fingerprint: string; service: unknown }>();
  private readonly pools = new Map<string, Pool>();

  wasender(config: VendorWasenderConfig): VendorWasenderService {
    const parts = [config.apiKey, config.accessToken, config.instanceId, config.timeoutMs];
    return this.get("wasender", config, parts, (pool) => new VendorWasenderService(config, pool));
  }

  meta(config: MetaCloudConfig): MetaCloudService {
    const parts = [config.accessToken, config.phoneNumberId, config.timeoutMs];
    return this.get("meta", config, parts, (pool) => new MetaCloudService(config, pool));
  }

  unipile(config: UnipileConfig): UnipileService {
    const parts = [config.apiKey, config.accountId, config.timeoutMs];
    return this.get("unipile", config, parts, (pool) => new UnipileService(config, pool));
  }

  get size(): number {
    return this.services.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
    this.services.clear();
  }

  /** The fingerprint is hashed so the map never holds a credential in clear. */
  private get<S>(
    provider: string,
    config: { vendorId: string; wabaInstanceId: string; apiUrl: string },
    parts: Fingerprint,
    create: (pool: Pool) => S,
  ): S {
    const key = `${provider}/${config.vendorId}/${config.wabaInstanceId}`;
    const fingerprint = createHash("sha256")
      .update([config.apiUrl, ...parts].map((part) => String(part ?? "")).join("\n"))
      .digest("hex");
    const cached = this.services.get(key);
    if (cached && cached.fingerprint === fingerprint) return cached.service as S;
    const service = create(this.poolFor(config.apiUrl));
    this.services.set(key, { fingerprint, service });
    return service;
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

let processServices: ProviderServices | undefined;

/** The process-wide services (lazily created), as the design document's `getVendorWasenderRegistry()`. */
export function getProviderServices(): ProviderServices {
  processServices ??= new ProviderServices();
  return processServices;
}
