import { logger } from "firebase-functions";
import type { MessagingProvider } from "../messaging/provider";
import { claimForSending, markFailed, markSent, messageRef } from "../store/conversations";
import { readInstance } from "../store/waba-instances";
import type { VendorWasenderRegistry } from "../wasender/vendor-wasender-registry";

export interface SendDeps {
  registry: VendorWasenderRegistry;
  /** The global Wasender base URL, used when an instance has no `wasenderApiUrl`. */
  defaultApiUrl: () => string;
}

type ProviderLookup = { ok: true; provider: MessagingProvider } | { ok: false; reason: string };

/** The sending side of one of the vendor's numbers; refuses an instance now owned by another vendor. */
async function providerFor(vendorId: string, wabaInstanceId: string, deps: SendDeps): Promise<ProviderLookup> {
  const check = await readInstance(wabaInstanceId);
  if (!check) return { ok: false, reason: `waba_instances/${wabaInstanceId} no longer exists` };
  if (!check.usable) return { ok: false, reason: `waba_instances/${wabaInstanceId} is invalid: ${check.problems.join("; ")}` };
  const instance = check.instance;
  if (instance.vendorId !== vendorId) {
    return { ok: false, reason: `waba_instances/${wabaInstanceId} now belongs to another vendor` };
  }
  const provider = deps.registry.getService({
    vendorId,
    wabaInstanceId,
    apiKey: instance.wasenderApiKey,
    apiUrl: instance.wasenderApiUrl ?? deps.defaultApiUrl(),
    ...(instance.wasenderInstanceId && { instanceId: instance.wasenderInstanceId }),
  });
  return { ok: true, provider };
}

/**
 * Sends a conversation's queued outbound messages in the given order, each at most once. Stops at a
 * message another run is already sending, so replies never overtake each other.
 */
export async function sendOutboundInOrder(
  vendorId: string,
  customer: string,
  messageIds: string[],
  deps: SendDeps,
): Promise<void> {
  const providers = new Map<string, ProviderLookup>();
  for (const messageId of messageIds) {
    const ref = messageRef(vendorId, customer, messageId);
    const claim = await claimForSending(ref);
    if (!claim.claimed) {
      logger.info("outbound not claimed", { vendorId, messageId, reason: claim.reason });
      if (claim.status === "sending") return;
      continue;
    }
    const { wabaInstanceId, to, text, imageUrl } = claim.message;
    let lookup = providers.get(wabaInstanceId);
    if (!lookup) {
      lookup = await providerFor(vendorId, wabaInstanceId, deps);
      providers.set(wabaInstanceId, lookup);
    }
    if (!lookup.ok) {
      logger.error("outbound cannot be sent", { vendorId, messageId, reason: lookup.reason });
      await markFailed(ref, { code: "instance_unusable", message: lookup.reason, retryable: false });
      continue;
    }
    const result = await lookup.provider.send(to, imageUrl ? { text, imageUrl } : { text });
    if (result.ok) {
      await markSent(ref, result.providerMessageId, result.providerStatus);
      logger.info("outbound sent", { vendorId, wabaInstanceId, messageId, msgId: result.providerMessageId });
    } else {
      await markFailed(ref, result.failure);
      logger.warn("outbound failed", { vendorId, wabaInstanceId, messageId, failure: result.failure });
    }
  }
}
