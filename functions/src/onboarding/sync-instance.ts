import { logger } from "../shared/logger";
import { describeIssues } from "../model/common";
import { configNotices, wabaInstanceSchema } from "../model/waba-instance";
import { toE164 } from "../shared/phone";
import {
  ACCOUNT_KEYS,
  claimIndexKey,
  isClaimableKey,
  keyOf,
  refusedClaimants,
  releaseIndexKey,
  type ClaimConflict,
} from "../store/routing-index";
import { readInstanceDoc, syncVendorConfigRouting, writeInstanceCheck } from "../store/waba-instances";

type Raw = Record<string, unknown> | undefined;

function stringField(raw: Raw, field: string): string | undefined {
  const value = raw?.[field];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * Frees a key this number no longer holds, then checks again the numbers that were refused it: the
 * first of them to claim it now gets it (how an operator's settlement of a dispute takes effect).
 */
async function releaseKey(
  kind: Parameters<typeof releaseIndexKey>[0],
  field: Parameters<typeof refusedClaimants>[0],
  key: string,
  wabaInstanceId: string,
): Promise<void> {
  await releaseIndexKey(kind, key, wabaInstanceId);
  for (const claimant of await refusedClaimants(field, key, wabaInstanceId)) {
    const current = await readInstanceDoc(claimant);
    if (current) await syncInstance(claimant, current, current);
  }
}

/**
 * What happens when an operator creates, edits or deletes a `waba_instances` document: the phone is
 * normalized to E.164, the document validated, problems written back on it (`configProblems`, cleared
 * once fixed), every account key claimed (phone, Wasender session, Cloud API number, Unipile account: the older owner keeps a disputed key), and
 * `vendor_configs/{vendorId}` kept in step. Writes only what changes, so its own writes end the loop.
 */
export async function syncInstance(wabaInstanceId: string, before: Raw, after: Raw): Promise<void> {
  const vendorBefore = stringField(before, "vendorId");
  if (!after) {
    for (const { kind, field } of ACCOUNT_KEYS) {
      const key = keyOf(before, field);
      if (key && isClaimableKey(key)) await releaseKey(kind, field, key, wabaInstanceId);
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
  const conflicts: ClaimConflict[] = [];
  for (const { kind, field, label } of ACCOUNT_KEYS) {
    const previousKey = keyOf(before, field);
    const key = field === "phoneNumber" ? phone : keyOf(after, field);
    if (previousKey && previousKey !== key && isClaimableKey(previousKey))
      await releaseKey(kind, field, previousKey, wabaInstanceId);
    if (!key || !vendorId || !parsed.success) continue;
    if (!isClaimableKey(key)) {
      problems.push(`${field}: cannot be used as an account key (no "/", not "." or "..")`);
      continue;
    }
    const claim = await claimIndexKey(kind, key, { vendorId, wabaInstanceId });
    if (!claim.ok) {
      // Said without the owner: the vendor's staff read these problems; operators read `claimConflicts`.
      problems.push(
        `${field}: the ${label} ${key} is already in use by another number; ` +
          "this number is not used until an operator settles it (docs/security.md)",
      );
      conflicts.push({ field, label, key, owner: claim.owner });
    }
  }

  const normalized = phone && phone !== typedPhone ? phone : undefined;
  await writeInstanceCheck(wabaInstanceId, after, problems, normalized, configNotices(after), conflicts);
  if (vendorBefore && vendorBefore !== vendorId) await syncVendorConfigRouting(vendorBefore, wabaInstanceId, "removed");
  if (problems.length === 0 && parsed.success && vendorId) {
    await syncVendorConfigRouting(vendorId, wabaInstanceId, "added", parsed.data.provider);
  }
  if (problems.length > 0) logger.warn("instance has problems", { wabaInstanceId, vendorId, problems });
}
