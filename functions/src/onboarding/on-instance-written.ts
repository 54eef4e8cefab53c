import { resumeQueuedMessages } from "../replies/vendor-messages";
import type { SendDeps } from "../replies/send-outbound";
import { syncInstance } from "./sync-instance";

/** Fields Wasender's own events keep moving; a change to them alone needs no onboarding check. */
const RUNTIME_FIELDS = new Set([
  "status", "sessionStatus", "lastSync", "connectionHistory", "qrCode", "qrCodeUpdatedAt", "webhookRegistration", "updatedAt",
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
  deps: SendDeps,
): Promise<void> {
  if (!(before && after && onlyRuntimeChanged(before, after))) await syncInstance(wabaInstanceId, before, after);
  if (before?.status !== "connected" && after?.status === "connected" && before !== undefined) {
    await resumeQueuedMessages(wabaInstanceId, deps);
  }
}
