import type { OutboundDeps } from "../outbound/dispatch";
import { resumeInstance } from "../outbound/sweep";
import { toE164 } from "../shared/phone";
import { indexKey, invalidateConfig, vendorKey } from "../store/config-cache";
import { syncRuntimeStatus } from "../store/waba-instances";
import { syncInstance } from "./sync-instance";

/**
 * Fields Wasender's own events move on the instance (a status change, a webhook registration); a
 * change to them alone needs no onboarding check. The rest of the runtime state lives on
 * `waba_runtime`, which no trigger watches; its old fields here are listed so removing them is no edit.
 */
const RUNTIME_FIELDS = new Set([
  "status",
  "lastSync",
  "webhookRegistration",
  "updatedAt",
  "sessionStatus",
  "connectionHistory",
  "qrCode",
  "qrCodeUpdatedAt",
  "deliveryProblem",
  "circuit",
  "providerErrors",
]);

function onlyRuntimeChanged(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (RUNTIME_FIELDS.has(key)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) return false;
  }
  return true;
}

export async function onInstanceWritten(
  wabaInstanceId: string,
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  deps: OutboundDeps,
): Promise<void> {
  await invalidateConfig(cacheKeysOf(before, after));
  if (!(before && after && onlyRuntimeChanged(before, after))) await syncInstance(wabaInstanceId, before, after);
  // The send path reads `status` from the runtime document: an operator's edit (or a new or deleted
  // number) is copied there; a session event has already written both.
  if (before?.status !== after?.status || !before || !after) await syncRuntimeStatus(wabaInstanceId);
  if (before?.status !== "connected" && after?.status === "connected" && before !== undefined) {
    await resumeInstance(wabaInstanceId, deps);
  }
}

/** Every cache entry an instance document feeds, before and after the change. */
function cacheKeysOf(...versions: Array<Record<string, unknown> | undefined>): string[] {
  const keys: string[] = [];
  for (const data of versions) {
    if (!data) continue;
    if (typeof data.vendorId === "string") keys.push(vendorKey(data.vendorId));
    const phone = typeof data.phoneNumber === "string" ? toE164(data.phoneNumber) : undefined;
    if (phone) keys.push(indexKey("phone_index", phone));
    if (typeof data.wasenderInstanceId === "string")
      keys.push(indexKey("wasender_session_index", data.wasenderInstanceId));
  }
  return keys;
}
