import { logger } from "firebase-functions";
import { describeIssues } from "../model/common";
import { vendorConfigSchema, vendorRoutingSchema } from "../model/vendor-config";
import { checkWasenderInstance, type WasenderInstance } from "../model/waba-instance";
import { readVendorSnapshot } from "../store/config-cache";

export type VendorInstances = (
  | { kind: "unknown" }
  | { kind: "unusable"; problems: string[] }
  | { kind: "ready"; instances: WasenderInstance[] }
) & { fromCache: boolean };

/**
 * The vendor's usable Wasender numbers, the one `vendor_configs.wabaInstanceId` names first. A vendor
 * exists when it has a config or an instance; an invalid instance is reported and left out whole.
 */
export async function loadVendorInstances(vendorId: string, options: { fresh?: boolean } = {}): Promise<VendorInstances> {
  const snapshot = await readVendorSnapshot(vendorId, options);
  const { fromCache } = snapshot;
  if (!snapshot.config && snapshot.instances.length === 0) return { kind: "unknown", fromCache };

  const problems: string[] = [];
  let primaryId: string | undefined;
  if (snapshot.config) {
    const config = vendorConfigSchema.safeParse(snapshot.config);
    if (!config.success) logger.warn("invalid vendor config", { vendorId, problems: describeIssues(config.error) });
    const routing = vendorRoutingSchema.safeParse(snapshot.config);
    primaryId = routing.success ? routing.data.wabaInstanceId : undefined;
  }
  const checks = snapshot.instances.map(({ id, data }) => checkWasenderInstance(id, data));
  const instances: WasenderInstance[] = [];
  for (const check of checks) {
    if (check.usable) instances.push(check.instance);
    else problems.push(...check.problems.map((problem) => `waba_instances/${check.id}: ${problem}`));
  }
  if (primaryId && !snapshot.instances.some((instance) => instance.id === primaryId)) {
    problems.push(`vendor_configs/${vendorId}.wabaInstanceId: no waba_instances/${primaryId} with vendorId "${vendorId}"`);
  }
  if (checks.length === 0) problems.push(`no waba_instances document has vendorId "${vendorId}"`);
  if (problems.length > 0) logger.warn("vendor instance problems", { vendorId, problems });
  if (instances.length === 0) return { kind: "unusable", problems, fromCache };
  instances.sort((a, b) => Number(b.id === primaryId) - Number(a.id === primaryId));
  return { kind: "ready", instances, fromCache };
}
