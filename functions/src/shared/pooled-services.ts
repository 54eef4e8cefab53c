import { createHash } from "node:crypto";
import { Pool } from "undici";

/**
 * One provider service per vendor number, created on first use and kept for the life of the function
 * instance, and one pooled undici client per origin, shared by every vendor on it, so a warm instance
 * reuses its keep-alive connections. A changed credential or URL (its fingerprint) yields a new service.
 */
export class PooledServices<Config, Service> {
  private readonly services = new Map<string, { fingerprint: string; service: Service }>();
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly create: (config: Config, pool: Pool) => Service) {}

  /** `parts` name what makes a service different; hashed so the map never holds a credential in clear. */
  get(key: string, apiUrl: string, parts: readonly (string | number | undefined)[], config: Config): Service {
    const fingerprint = createHash("sha256")
      .update([apiUrl, ...parts].map((part) => String(part ?? "")).join("\n"))
      .digest("hex");
    const cached = this.services.get(key);
    if (cached && cached.fingerprint === fingerprint) return cached.service;
    const service = this.create(config, this.poolFor(apiUrl));
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
