import { logger } from "firebase-functions";
import { describeIssues, e164Schema } from "../model/common";
import { vendorWrittenOutboundSchema } from "../model/message";
import { messageRef, prepareVendorOutbound, queuedForInstance } from "../store/conversations";
import { readVendorConfigCached } from "../store/vendor-configs";
import { sendOutboundInOrder, type SendDeps } from "./send-outbound";

/**
 * A message the vendor starts (the design's "Message Sortant"), written by a dashboard, the console or
 * the admin API: validated, completed with the vendor's number and the conversation's customer, then
 * sent by the same path as replies.
 */
export async function sendVendorMessage(
  vendorId: string,
  customer: string,
  messageId: string,
  data: Record<string, unknown>,
  deps: SendDeps,
): Promise<void> {
  // Replies and order notices are sent by the run that created them.
  if (data.origin === "engine" || data.origin === "order") return;
  const ref = messageRef(vendorId, customer, messageId);
  let wabaInstanceId = typeof data.wabaInstanceId === "string" ? data.wabaInstanceId : undefined;
  const problems: string[] = [];
  const parsed = vendorWrittenOutboundSchema.safeParse(data);
  if (!parsed.success) problems.push(...describeIssues(parsed.error));
  if (!e164Schema.safeParse(customer).success) problems.push(`conversation id: "${customer}" is not an E.164 phone number`);
  if (!wabaInstanceId) {
    const config = await readVendorConfigCached(vendorId);
    wabaInstanceId = config.found ? (config.valid ? config.config.wabaInstanceId : config.wabaInstanceId) : undefined;
  }
  const prepared = await prepareVendorOutbound(ref, vendorId, customer, wabaInstanceId, problems);
  if (!prepared.prepared) {
    logger.warn("vendor message not sent", { vendorId, messageId, reason: prepared.reason });
    return;
  }
  await sendOutboundInOrder(vendorId, prepared.wabaInstanceId, customer, [messageId], deps);
}

/** After a number reconnects: sends what waited for it, conversation by conversation, in order. */
export async function resumeQueuedMessages(wabaInstanceId: string, deps: SendDeps): Promise<number> {
  const groups = await queuedForInstance(wabaInstanceId);
  let count = 0;
  for (const [key, group] of groups) {
    const customer = key.slice(group.vendorId.length + 1);
    await sendOutboundInOrder(group.vendorId, wabaInstanceId, customer, group.ids, deps);
    count += group.ids.length;
  }
  if (count > 0) logger.info("resumed queued messages after reconnection", { wabaInstanceId, count });
  return count;
}
