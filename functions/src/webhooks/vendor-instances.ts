import { logger } from "../shared/logger";
import { describeIssues } from "../model/common";
import { vendorConfigSchema, vendorRoutingSchema } from "../model/vendor-config";
import { checkInstance, type MessagingInstance } from "../model/waba-instance";
import { vendorConfigCache, type ConfigCache, type SnapshotOptions } from "../store/config-cache";

export type VendorInstances = (
  { kind: "unknown" } | { kind: "unusable"; problems: string[] } | { kind: "ready"; instances: MessagingInstance[] }
) & { fromCache: boolean; readAt: number };

/**
 * The vendor's usable numbers (Wasender or Meta), the one `vendor_configs.wabaInstanceId` names first. A vendor
 * exists when it has a config or an instance, but is served only while its `vendor_configs` document
 * exists (deleting it offboards the vendor; the onboarding trigger creates it with the first instance);
 * an invalid instance is reported and left out whole.
 */
export async function loadVendorInstances(
  vendorId: string,
  options: SnapshotOptions = {},
  cache: ConfigCache = vendorConfigCache(),
): Promise<VendorInstances> {
  const snapshot = await cache.readVendorSnapshot(vendorId, options);
  const { fromCache, readAt } = snapshot;
  // The memory tier hands out the same documents until they are re-read: checked once per read.
  let checked = checkedSnapshots.get(snapshot.instances);
  if (checked?.config !== snapshot.config || checked.vendorId !== vendorId) {
    checked = { vendorId, config: snapshot.config, ...checkSnapshot(vendorId, snapshot) };
    checkedSnapshots.set(snapshot.instances, checked);
  }
  for (const [message, fields] of checked.warnings) logger.warn(message, fields);
  return { ...checked.result, fromCache, readAt };
}

type Checked =
  { kind: "unknown" } | { kind: "unusable"; problems: string[] } | { kind: "ready"; instances: MessagingInstance[] };

type Warning = [message: string, fields: Record<string, unknown>];

/** Each snapshot's verdict and the warnings every request it serves logs, by its instances array. */
const checkedSnapshots = new WeakMap<
  object,
  { vendorId: string; config: unknown; result: Checked; warnings: Warning[] }
>();

function checkSnapshot(
  vendorId: string,
  snapshot: { config: Record<string, unknown> | null; instances: Array<{ id: string; data: Record<string, unknown> }> },
): { result: Checked; warnings: Warning[] } {
  if (!snapshot.config && snapshot.instances.length === 0) return { result: { kind: "unknown" }, warnings: [] };
  const warnings: Warning[] = [];

  // `problems` may be answered to anyone who names the vendor (before any signature is checked), so
  // it names fields only; `details` (the onboarding check's values too) go to the logs.
  const problems: string[] = [];
  const details: string[] = [];
  if (!snapshot.config)
    problems.push(`no vendor_configs/${vendorId} document: the vendor is not, or no longer, served`);
  const config = snapshot.config ? vendorConfigSchema.safeParse(snapshot.config) : undefined;
  if (config && !config.success)
    warnings.push(["invalid vendor config", { vendorId, problems: describeIssues(config.error) }]);
  const routing = vendorRoutingSchema.safeParse(snapshot.config);
  const primaryId = routing.success ? routing.data.wabaInstanceId : undefined;
  const checks = snapshot.instances.map(({ id, data }) => checkInstance(id, data));
  const instances: MessagingInstance[] = [];
  for (const check of checks) {
    if (check.usable) instances.push(check.instance);
    else if (check.source === "schema")
      problems.push(...check.problems.map((problem) => `waba_instances/${check.id}: ${problem}`));
    else {
      problems.push(
        `waba_instances/${check.id}.configProblems: refused by the onboarding check (the reasons are on the document)`,
      );
      details.push(...check.problems.map((problem) => `waba_instances/${check.id}: ${problem}`));
    }
  }
  if (primaryId && !snapshot.instances.some((instance) => instance.id === primaryId)) {
    problems.push(
      `vendor_configs/${vendorId}.wabaInstanceId: no waba_instances/${primaryId} with vendorId "${vendorId}"`,
    );
  }
  if (checks.length === 0) problems.push(`no waba_instances document has vendorId "${vendorId}"`);
  if (problems.length > 0)
    warnings.push(["vendor instance problems", { vendorId, problems: [...problems, ...details] }]);
  if (instances.length === 0 || !snapshot.config) return { result: { kind: "unusable", problems }, warnings };
  instances.sort((a, b) => Number(b.id === primaryId) - Number(a.id === primaryId));
  return { result: { kind: "ready", instances }, warnings };
}
