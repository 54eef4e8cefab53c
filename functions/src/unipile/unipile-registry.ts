import { PooledServices } from "../shared/pooled-services";
import { UnipileService, type UnipileConfig } from "./unipile-service";

/** One `UnipileService` per vendor number, pooled per DSN origin; a changed key, account or URL yields a new one. */
export class UnipileRegistry {
  private readonly services = new PooledServices<UnipileConfig, UnipileService>(
    (config, pool) => new UnipileService(config, pool),
  );

  getService(config: UnipileConfig): UnipileService {
    return this.services.get(
      `${config.vendorId}/${config.wabaInstanceId}`,
      config.apiUrl,
      [config.apiKey, config.accountId, config.timeoutMs],
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

let registry: UnipileRegistry | undefined;

/** The process-wide registry, lazily created (as `getMetaCloudRegistry()`). */
export function getUnipileRegistry(): UnipileRegistry {
  registry ??= new UnipileRegistry();
  return registry;
}
