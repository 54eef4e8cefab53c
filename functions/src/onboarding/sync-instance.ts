import { logger } from "../shared/logger";
import { describeIssues } from "../model/common";
import { configNotices, wabaInstanceSchema } from "../model/waba-instance";
import { toE164 } from "../shared/phone";
import { claimIndexKey, releaseIndexKey, type IndexKind } from "../store/routing-index";
import { syncVendorConfigRouting, writeInstanceCheck } from "../store/waba-instances";

type Raw = Record<string, unknown> | undefined;

const KEYS: Array<[IndexKind, "phoneNumber" | "wasenderInstanceId" | "metaPhoneNumberId", string]> = [
  ["phone_index", "phoneNumber", "phone number"],
  ["wasender_session_index", "wasenderInstanceId", "Wasender session"],
  ["meta_phone_index", "metaPhoneNumberId", "Cloud API number"],
];

function stringField(raw: Raw, field: string): string | undefined {
  const value = raw?.[field];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * What happens when an operator creates, edits or deletes a `waba_instances` document: the phone is
 * normalized to E.164, the document validated, problems written back on it (`configProblems`, cleared
 * once fixed), the phone and session indexes claimed (the older owner keeps a disputed key), and
 * `vendor_configs/{vendorId}` kept in step. Writes only what changes, so its own writes end the loop.
 */
export async function syncInstance(wabaInstanceId: string, before: Raw, after: Raw): Promise<void> {
  const vendorBefore = stringField(before, "vendorId");
  if (!after) {
    for (const [kind, field] of KEYS) {
      const key = stringField(before, field);
      if (key) await releaseIndexKey(kind, key, wabaInstanceId);
    }
    if (vendorBefore) await syncVendorConfigRouting(vendorBefore, wabaInstanceId, "removed");
    logger.info("instance removed", { wabaInstanceId, vendorId: vendorBefore });
    return;
  }

  const problems: string[] = [];
  const typedPhone = stringField(after, "phoneNumber");
  const phone = typedPhone ? toE164(typedPhone) : undefined;
  if (typedPhone && !phone) problems.push(`phoneNumber: "${typedPhone}" is not a phone number (e.g. +221771234567)`);
  const candidate = { ...after, ...(phone && { phoneNumber: phone }) };
  const parsed = wabaInstanceSchema.safeParse(candidate);
  if (!parsed.success) {
    problems.push(
      ...describeIssues(parsed.error).filter((p) => !(typedPhone && !phone && p.startsWith("phoneNumber:"))),
    );
  }

  const vendorId = stringField(after, "vendorId");
  const keys = {
    phoneNumber: phone,
    wasenderInstanceId: stringField(after, "wasenderInstanceId"),
    metaPhoneNumberId: stringField(after, "metaPhoneNumberId"),
  };
  for (const [kind, field, label] of KEYS) {
    const previous = stringField(before, field);
    const previousKey = previous && field === "phoneNumber" ? toE164(previous) : previous;
    const key = keys[field];
    if (previousKey && previousKey !== key) await releaseIndexKey(kind, previousKey, wabaInstanceId);
    if (!key || !vendorId || !parsed.success) continue;
    const claim = await claimIndexKey(kind, key, { vendorId, wabaInstanceId });
    if (!claim.ok) {
      problems.push(
        `${field}: the ${label} ${key} already belongs to vendor "${claim.owner.vendorId}" ` +
          `(waba_instances/${claim.owner.wabaInstanceId}); this instance is not used until one of them changes`,
      );
    }
  }

  const normalized = phone && phone !== typedPhone ? phone : undefined;
  await writeInstanceCheck(wabaInstanceId, after, problems, normalized, configNotices(after));
  if (vendorBefore && vendorBefore !== vendorId) await syncVendorConfigRouting(vendorBefore, wabaInstanceId, "removed");
  if (problems.length === 0 && parsed.success && vendorId) {
    await syncVendorConfigRouting(vendorId, wabaInstanceId, "added", parsed.data.provider);
  }
  if (problems.length > 0) logger.warn("instance has problems", { wabaInstanceId, vendorId, problems });
}
