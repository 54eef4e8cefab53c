import { FieldValue } from "firebase-admin/firestore";
import { logger } from "../shared/logger";
import { describeIssues, e164Schema } from "../model/common";
import { vendorWrittenOutboundSchema } from "../model/message";
import type { OutboundDeps } from "../outbound/dispatch";
import { Outbox } from "../outbound/outbox";
import { firestore, getBoth } from "../shared/firestore";
import { messageRef, outboundRef } from "../store/conversations";
import { readVendorConfigCached } from "../store/vendor-configs";

/**
 * A message the vendor starts (the design's "Message Sortant") written straight into a conversation
 * by a dashboard or the console: validated, completed with the vendor's number and the conversation's
 * customer, and queued on the conversation's outbox like every other outbound message: it is sent as
 * `outbound/{its id}` (the backend's own messages live there, where no trigger runs), and its document
 * here is marked queued, then gets the final status. A document already adopted (`sentAs`) or carrying
 * a `delivery` map (written as the backend once queued its own) is left alone.
 */
export async function sendVendorMessage(
  vendorId: string,
  customer: string,
  messageId: string,
  data: Record<string, unknown>,
  deps: OutboundDeps,
): Promise<void> {
  if (data.delivery !== undefined || data.sentAs !== undefined) return;
  const ref = messageRef(vendorId, customer, messageId);
  const problems: string[] = [];
  const parsed = vendorWrittenOutboundSchema.safeParse(data);
  if (!parsed.success) problems.push(...describeIssues(parsed.error));
  if (!e164Schema.safeParse(customer).success)
    problems.push(`conversation id: "${customer}" is not an E.164 phone number`);
  const config = await readVendorConfigCached(vendorId);
  const wabaInstanceId =
    parsed.data?.wabaInstanceId ??
    (config.found ? (config.valid ? config.config.wabaInstanceId : config.wabaInstanceId) : undefined);
  if (!wabaInstanceId) problems.push("the vendor has no number to send from (vendor_configs.wabaInstanceId)");
  const deadlineMinutes = config.found && config.valid ? config.config.deliveryDeadlineMinutes : undefined;

  let refused = problems;
  const dispatches = await firestore().runTransaction(async (tx) => {
    const [snap, taken] = await getBoth(tx, ref, outboundRef(vendorId, customer, messageId));
    // Adopted by an earlier run already (a redelivered trigger).
    const adopted = snap.get("delivery") !== undefined || snap.get("sentAs") !== undefined;
    if (!snap.exists || adopted || snap.get("status") === "failed") return [];
    // The id names the outbound message it is sent as: one the backend already sends cannot be reused.
    const idTaken = `message id "${messageId}" is already used by another outbound message of this conversation`;
    refused = taken.exists ? [...problems, idTaken] : problems;
    if (refused.length > 0 || !parsed.success || !wabaInstanceId) {
      tx.update(ref, {
        status: "failed",
        error: { code: "invalid", message: refused.join("; "), retryable: false },
        failedAt: FieldValue.serverTimestamp(),
      });
      return [];
    }
    const outbox = await Outbox.open(tx, vendorId, customer, deadlineMinutes);
    const { text, imageUrl, documentUrl } = parsed.data;
    outbox.add({
      messageId,
      wabaInstanceId,
      origin: data.origin === "api" ? "api" : "console",
      content: { text, ...(imageUrl && { imageUrl }), ...(documentUrl && { documentUrl }) },
      fromDashboard: true,
    });
    return outbox.writeWithConversation(tx);
  });
  if (refused.length > 0) logger.warn("vendor message refused", { vendorId, messageId, reason: refused.join("; ") });
  await deps.scheduler.schedule(dispatches);
}
