import { logger } from "firebase-functions";
import type { WasenderInstance } from "../model/waba-instance";
import { readVendorConfig } from "../store/vendor-configs";
import { readVendorInstances } from "../store/waba-instances";

export type VendorInstances =
  | { kind: "unknown" }
  | { kind: "unusable"; problems: string[] }
  | { kind: "ready"; instances: WasenderInstance[] };

/**
 * The vendor's usable Wasender numbers, the one `vendor_configs.wabaInstanceId` names first. A vendor
 * exists when it has a config or an instance; an invalid instance is reported and left out whole.
 */
export async function loadVendorInstances(vendorId: string): Promise<VendorInstances> {
  const [config, checks] = await Promise.all([readVendorConfig(vendorId), readVendorInstances(vendorId)]);
  if (!config.found && checks.length === 0) return { kind: "unknown" };

  const problems: string[] = [];
  if (config.found && !config.valid) {
    logger.warn("invalid vendor config", { vendorId, problems: config.problems });
  }
  const primaryId = config.found ? (config.valid ? config.config.wabaInstanceId : config.wabaInstanceId) : undefined;
  const instances: WasenderInstance[] = [];
  for (const check of checks) {
    if (check.usable) instances.push(check.instance);
    else problems.push(...check.problems.map((problem) => `waba_instances/${check.id}: ${problem}`));
  }
  if (primaryId && !checks.some((check) => (check.usable ? check.instance.id : check.id) === primaryId)) {
    problems.push(`vendor_configs/${vendorId}.wabaInstanceId: no waba_instances/${primaryId} with vendorId "${vendorId}"`);
  }
  if (checks.length === 0) problems.push(`no waba_instances document has vendorId "${vendorId}"`);
  if (problems.length > 0) logger.warn("vendor instance problems", { vendorId, problems });
  if (instances.length === 0) return { kind: "unusable", problems };
  instances.sort((a, b) => Number(b.id === primaryId) - Number(a.id === primaryId));
  return { kind: "ready", instances };
}
