import { PooledServices } from "../shared/pooled-services";
import { VendorWasenderService, type VendorWasenderConfig } from "./vendor-wasender-service";

/**
 * One `VendorWasenderService` per vendor number, pooled per Wasender origin (shared by every vendor on
 * it, so a warm instance reuses its keep-alive connections). A changed key or URL (rotation) yields a
 * new service.
 */
export class VendorWasenderRegistry {
  private readonly services = new PooledServices<VendorWasenderConfig, VendorWasenderService>(
    (config, pool) => new VendorWasenderService(config, pool),
  );

  getService(config: VendorWasenderConfig): VendorWasenderService {
    return this.services.get(
      `${config.vendorId}/${config.wabaInstanceId}`,
      config.apiUrl,
      [config.apiKey, config.accessToken, config.instanceId],
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

let registry: VendorWasenderRegistry | undefined;

/** The process-wide registry (lazily created), as the design document's `getVendorWasenderRegistry()`. */
export function getVendorWasenderRegistry(): VendorWasenderRegistry {
  registry ??= new VendorWasenderRegistry();
  return registry;
}
