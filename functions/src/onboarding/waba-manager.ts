import { toE164 } from "../shared/phone";
import type { WasenderInstance } from "../model/waba-instance";
import { readIndexEntry, type IndexKind } from "../store/routing-index";
import { readInstance } from "../store/waba-instances";

export interface VendorLookup {
  vendorId: string;
  wabaInstance: WasenderInstance;
}

/**
 * The design document's WABAManager: phone -> vendor and Wasender session -> vendor, each one index
 * read plus the instance itself, never a collection scan. Answers null for an unknown key, or for an
 * index entry whose instance no longer holds the key or is not usable.
 */
export class WABAManager {
  async findVendorByPhoneNumber(phone: string): Promise<VendorLookup | null> {
    const e164 = toE164(phone);
    return e164 ? this.lookup("phone_index", e164, (instance) => instance.phoneNumber === e164) : null;
  }

  async findVendorByWasenderInstanceId(sessionId: string): Promise<VendorLookup | null> {
    if (!sessionId || sessionId.includes("/")) return null;
    return this.lookup("wasender_session_index", sessionId, (instance) => instance.wasenderInstanceId === sessionId);
  }

  private async lookup(kind: IndexKind, key: string, stillHolds: (instance: WasenderInstance) => boolean): Promise<VendorLookup | null> {
    const entry = await readIndexEntry(kind, key);
    if (!entry) return null;
    const check = await readInstance(entry.wabaInstanceId);
    if (!check?.usable || check.instance.vendorId !== entry.vendorId || !stillHolds(check.instance)) return null;
    return { vendorId: entry.vendorId, wabaInstance: check.instance };
  }
}

let manager: WABAManager | undefined;

export function getWABAManager(): WABAManager {
  manager ??= new WABAManager();
  return manager;
}
