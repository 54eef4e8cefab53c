import { PooledServices } from "../shared/pooled-services";
import { MetaCloudService, type MetaCloudConfig } from "./meta-cloud-service";

/** One `MetaCloudService` per vendor number, pooled per Graph origin; a changed token, number id or URL yields a new one. */
export class MetaCloudRegistry {
  private readonly services = new PooledServices<MetaCloudConfig, MetaCloudService>(
    (config, pool) => new MetaCloudService(config, pool),
  );

  getService(config: MetaCloudConfig): MetaCloudService {
    return this.services.get(
      `${config.vendorId}/${config.wabaInstanceId}`,
      config.apiUrl,
      [config.accessToken, config.phoneNumberId, config.timeoutMs],
      config,
    );
  }

  get size(): number {
    return this.services.size;
  }

  close(): Promise<void> {
    return this.services.close();
  }
}

let registry: MetaCloudRegistry | undefined;

/** The process-wide registry, lazily created (as `getVendorWasenderRegistry()`). */
export function getMetaCloudRegistry(): MetaCloudRegistry {
  registry ??= new MetaCloudRegistry();
  return registry;
}
