import { toE164 } from "../shared/phone";
import { checkInstance, type MessagingInstance } from "../model/waba-instance";
import { configCache, indexKey, vendorConfigCache } from "../store/config-cache";
import { readIndexEntry, type IndexEntry, type IndexKind } from "../store/routing-index";

export interface VendorLookup {
  vendorId: string;
  wabaInstance: MessagingInstance;
}

/**
 * The design document's WABAManager: phone -> vendor and Wasender session -> vendor. Warm: from the
 * cache, no Firestore read. Cold: one index document read plus the vendor's instances, never a scan of
 * all vendors. Answers null for an unknown key, or for an index entry whose instance no longer holds
 * the key or is not usable.
 */
export class WABAManager {
  async findVendorByPhoneNumber(phone: string): Promise<VendorLookup | null> {
    const e164 = toE164(phone);
    return e164 ? this.lookup("phone_index", e164, (instance) => instance.phoneNumber === e164) : null;
  }

  async findVendorByWasenderInstanceId(sessionId: string): Promise<VendorLookup | null> {
    if (!sessionId || sessionId.includes("/")) return null;
    return this.lookup(
      "wasender_session_index",
      sessionId,
      (instance) => instance.provider === "wasender" && instance.wasenderInstanceId === sessionId,
    );
  }

  private async lookup(
    kind: IndexKind,
    key: string,
    stillHolds: (instance: MessagingInstance) => boolean,
  ): Promise<VendorLookup | null> {
    const cacheKey = indexKey(kind, key);
    let entry = await configCache().get<IndexEntry>(cacheKey);
    if (!entry) {
      entry = await readIndexEntry(kind, key);
      if (!entry) return null;
      await configCache().set(cacheKey, { vendorId: entry.vendorId, wabaInstanceId: entry.wabaInstanceId });
    }
    // The number it returns carries its credentials: read within their freshness bound.
    const { instances } = await vendorConfigCache().readForCredentials(entry.vendorId);
    const stored = instances.find((instance) => instance.id === entry.wabaInstanceId);
    const check = stored && checkInstance(stored.id, stored.data);
    if (!check?.usable || check.instance.vendorId !== entry.vendorId || !stillHolds(check.instance)) return null;
    return { vendorId: entry.vendorId, wabaInstance: check.instance };
  }
}

let manager: WABAManager | undefined;

export function getWABAManager(): WABAManager {
  manager ??= new WABAManager();
  return manager;
}
