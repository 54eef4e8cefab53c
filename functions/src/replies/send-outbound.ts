import { logger } from "firebase-functions";
import type { MessagingProvider } from "../messaging/provider";
import { setTimeout as sleep } from "node:timers/promises";
import { claimForSending, markFailed, markScheduled, markSent, markWaiting, messageRef } from "../store/conversations";
import { reserveSendSlot } from "../store/send-pacing";
import { linkOutbound } from "../store/delivery";
import { readVendorInstanceCached } from "../store/waba-instances";
import type { WasenderInstance } from "../model/waba-instance";
import type { VendorWasenderRegistry } from "../wasender/vendor-wasender-registry";

export interface SendDeps {
  registry: VendorWasenderRegistry;
  /** The global Wasender base URL, used when an instance has no `wasenderApiUrl`. */
  defaultApiUrl: () => string;
}

type ProviderLookup =
  | { ok: true; provider: MessagingProvider; instance: WasenderInstance }
  | { ok: false; wait: true; reason: string }
  | { ok: false; wait: false; reason: string };

/** The sending side of one of the vendor's numbers; refuses an instance now owned by another vendor. */
async function providerFor(vendorId: string, wabaInstanceId: string, deps: SendDeps): Promise<ProviderLookup> {
  const check = await readVendorInstanceCached(vendorId, wabaInstanceId);
  if (!check) return { ok: false, wait: false, reason: `waba_instances/${wabaInstanceId} is no longer a number of this vendor` };
  if (!check.usable) {
    return { ok: false, wait: false, reason: `waba_instances/${wabaInstanceId} is invalid: ${check.problems.join("; ")}` };
  }
  const instance = check.instance;
  if (instance.vendorId !== vendorId) {
    return { ok: false, wait: false, reason: `waba_instances/${wabaInstanceId} now belongs to another vendor` };
  }
  if (instance.status === "disconnected") {
    return { ok: false, wait: true, reason: `the number ${instance.phoneNumber} is disconnected from Wasender` };
  }
  const provider = deps.registry.getService({
    vendorId,
    wabaInstanceId,
    apiKey: instance.wasenderApiKey,
    apiUrl: instance.wasenderApiUrl ?? deps.defaultApiUrl(),
    ...(instance.wasenderInstanceId && { instanceId: instance.wasenderInstanceId }),
  });
  return { ok: true, provider, instance };
}

/** Waits for this number's next send slot when it has a Wasender rate; never refuses a message. */
async function waitForSlot(instance: WasenderInstance, ref: Parameters<typeof markScheduled>[0]): Promise<void> {
  if (!instance.sendRatePerMinute) return;
  const intervalMs = (instance.sendRateWindowSeconds * 1000) / instance.sendRatePerMinute;
  const slot = await reserveSendSlot(instance.id, intervalMs);
  const wait = slot - Date.now();
  if (wait <= 0) return;
  await markScheduled(ref, slot);
  await sleep(wait);
}

/**
 * Sends a conversation's queued outbound messages in the given order, each at most once, from the
 * number `wabaInstanceId`. Stops at a message another run is already sending, so messages never
 * overtake each other; while the number is disconnected, they stay queued and wait for it.
 */
export async function sendOutboundInOrder(
  vendorId: string,
  wabaInstanceId: string,
  customer: string,
  messageIds: string[],
  deps: SendDeps,
): Promise<void> {
  if (messageIds.length === 0) return;
  const lookup = await providerFor(vendorId, wabaInstanceId, deps);
  if (!lookup.ok && lookup.wait) {
    logger.warn("outbound waiting for the number to reconnect", { vendorId, wabaInstanceId, count: messageIds.length });
    await Promise.all(messageIds.map((id) => markWaiting(messageRef(vendorId, customer, id), lookup.reason)));
    return;
  }
  for (const messageId of messageIds) {
    const ref = messageRef(vendorId, customer, messageId);
    const claim = await claimForSending(ref);
    if (!claim.claimed) {
      logger.info("outbound not claimed", { vendorId, messageId, reason: claim.reason });
      if (claim.status === "sending") return;
      continue;
    }
    const { to, text, imageUrl, documentUrl } = claim.message;
    if (!lookup.ok) {
      logger.error("outbound cannot be sent", { vendorId, messageId, reason: lookup.reason });
      await markFailed(ref, { code: "instance_unusable", message: lookup.reason, retryable: false });
      continue;
    }
    if (claim.message.wabaInstanceId !== wabaInstanceId || claim.message.to !== customer) {
      // Never from another number or to another customer than the conversation's.
      await markFailed(ref, { code: "misrouted", message: "the message does not belong to this number or conversation", retryable: false });
      continue;
    }
    await waitForSlot(lookup.instance, ref);
    const result = await lookup.provider.send(to, { text, ...(imageUrl && { imageUrl }), ...(documentUrl && { documentUrl }) });
    if (!result.ok) {
      await markFailed(ref, result.failure);
      logger.warn("outbound failed", { vendorId, wabaInstanceId, messageId, failure: result.failure });
      continue;
    }
    await markSent(ref, result.providerMessageId, result.providerStatus);
    logger.info("outbound sent", { vendorId, wabaInstanceId, messageId, msgId: result.providerMessageId });
    const waMessageId = await lookup.provider.lookupMessageId(result.providerMessageId);
    if (waMessageId) await linkOutbound(vendorId, waMessageId, customer, messageId);
    else logger.warn("outbound not linked to a WhatsApp id; its statuses stay pending", { vendorId, messageId });
  }
}
