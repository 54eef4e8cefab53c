import { firestore } from "../shared/firestore";
import { describeIssues } from "../model/common";
import { vendorConfigSchema, vendorRoutingSchema, type VendorConfig } from "../model/vendor-config";
import { VENDOR_CONFIGS } from "./collections";
import { readVendorSnapshot, vendorConfigCache } from "./config-cache";

export { VENDOR_CONFIGS };

export type VendorConfigRead =
  | { found: false }
  | { found: true; valid: true; config: VendorConfig }
  | { found: true; valid: false; problems: string[]; wabaInstanceId?: string };

/** Reads and validates `vendor_configs/{vendorId}`; an invalid document is reported, never half-used. */
export async function readVendorConfig(vendorId: string): Promise<VendorConfigRead> {
  const snap = await firestore().collection(VENDOR_CONFIGS).doc(vendorId).get();
  return checkVendorConfig(snap.exists ? snap.data() : undefined);
}

/** The same, from the configuration cache (no Firestore read on a warm path). */
export async function readVendorConfigCached(vendorId: string): Promise<VendorConfigRead> {
  const { config } = await readVendorSnapshot(vendorId);
  return checkVendorConfig(config ?? undefined);
}

/**
 * The same, from a cached snapshot fresh enough for the vendor's credentials: a decision about to send
 * reads it once, and its send's instance check then finds it cached.
 */
export async function readVendorConfigForSending(vendorId: string): Promise<VendorConfigRead> {
  const { config } = await vendorConfigCache().readForCredentials(vendorId);
  return checkVendorConfig(config ?? undefined);
}

function checkVendorConfig(raw: unknown): VendorConfigRead {
  if (raw === undefined) return { found: false };
  const parsed = vendorConfigSchema.safeParse(raw);
  if (parsed.success) return { found: true, valid: true, config: parsed.data };
  const routing = vendorRoutingSchema.safeParse(raw);
  const wabaInstanceId = routing.success ? routing.data.wabaInstanceId : undefined;
  return {
    found: true,
    valid: false,
    problems: describeIssues(parsed.error),
    ...(wabaInstanceId && { wabaInstanceId }),
  };
}

/** Every vendor's id, shop name and language, for an operator's vendor picker (one query over the collection). */
export async function listVendorSummaries(): Promise<
  Array<{ vendorId: string; businessName: string; language: string }>
> {
  const snap = await firestore().collection(VENDOR_CONFIGS).select("businessName", "language").get();
  return snap.docs.map((doc) => ({
    vendorId: doc.id,
    businessName: typeof doc.get("businessName") === "string" ? (doc.get("businessName") as string) : doc.id,
    language: doc.get("language") === "en" ? "en" : "fr",
  }));
}
