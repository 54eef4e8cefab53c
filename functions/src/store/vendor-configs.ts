import { firestore } from "../shared/firestore";
import { describeIssues } from "../model/common";
import { vendorConfigSchema, vendorRoutingSchema, type VendorConfig } from "../model/vendor-config";

export const VENDOR_CONFIGS = "vendor_configs";

export type VendorConfigRead =
  | { found: false }
  | { found: true; valid: true; config: VendorConfig }
  | { found: true; valid: false; problems: string[]; wabaInstanceId?: string };

/** Reads and validates `vendor_configs/{vendorId}`; an invalid document is reported, never half-used. */
export async function readVendorConfig(vendorId: string): Promise<VendorConfigRead> {
  const snap = await firestore().collection(VENDOR_CONFIGS).doc(vendorId).get();
  if (!snap.exists) return { found: false };
  const raw = snap.data();
  const parsed = vendorConfigSchema.safeParse(raw);
  if (parsed.success) return { found: true, valid: true, config: parsed.data };
  const routing = vendorRoutingSchema.safeParse(raw);
  const wabaInstanceId = routing.success ? routing.data.wabaInstanceId : undefined;
  return { found: true, valid: false, problems: describeIssues(parsed.error), ...(wabaInstanceId && { wabaInstanceId }) };
}
