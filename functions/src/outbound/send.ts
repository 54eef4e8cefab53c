import type { SendFailure, SendResult } from "../messaging/types";
import type { Channel } from "../messaging/provider";
import type { MessagingInstance } from "../model/waba-instance";
import { logger } from "../shared/logger";
import { hasDeliveryProblem, readRuntime, recordProviderError } from "../store/waba-instances";
import { markInstanceProblem } from "./alerts";
import type { Claimed } from "./claim";
import type { OutboundDeps } from "./deps";
import type { AttemptTask } from "./dispatch";

/** The one request of a claimed attempt, through the provider of its channel (no retry in process). */
export async function sendClaimed(claim: Claimed, deps: OutboundDeps): Promise<SendResult> {
  const provider = deps.providers.forInstance(claim.instance, claim.channel);
  if (!provider)
    return {
      ok: false,
      failure: {
        code: "not_configured",
        message: `waba_instances/${claim.instance.id} has no ${claim.channel} sending fields`,
      },
    };
  return provider.send(claim.to, claim.content);
}

/** The WhatsApp id of a message the provider accepted (so its statuses land); undefined when the lookup fails. */
export async function whatsAppIdOf(
  claim: Claimed,
  providerMessageId: string | number,
  deps: OutboundDeps,
): Promise<string | undefined> {
  const provider = deps.providers.forInstance(claim.instance, claim.channel);
  return provider ? provider.lookupMessageId(providerMessageId).catch(() => undefined) : undefined;
}

/**
 * Whether the number carries a refusal mark to clear once a send goes through: asked as the send
 * starts, so the look (at most once a minute per number, `hasDeliveryProblem`) runs alongside the
 * request instead of after it. Never rejects: a failed look clears nothing this time.
 */
export function deliveryProblemOf(claim: Claimed): Promise<boolean> {
  return hasDeliveryProblem(claim.instance.id).catch(() => false);
}

/** After a send recorded as sent (and linked): logged, and the number's refusal mark cleared (`deliveryProblemOf`). */
export async function afterSent(task: AttemptTask, claim: Claimed, problem: Promise<boolean>): Promise<void> {
  const { vendorId, messageId } = task;
  logger.info("outbound sent", { vendorId, messageId, attempt: claim.delivery.attempts, provider: claim.channel });
  if (await problem) await markInstanceProblem(claim.instance.id, undefined);
}

/** Keeps the number's last error of this provider on the instance (for operators); at most one write per code a minute. */
export async function noteProviderError(
  instance: MessagingInstance,
  channel: Channel,
  failure: SendFailure,
): Promise<void> {
  // A failed send only: reading the runtime document here keeps it to one write per code a minute.
  const known = (await readRuntime(instance.id).catch(() => undefined))?.providerErrors?.[channel];
  const knownAt = typeof known?.at === "string" ? Date.parse(known.at) : known?.at?.toMillis?.();
  if (known?.code === failure.code && knownAt !== undefined && Date.now() - knownAt < 60_000) return;
  await recordProviderError(instance.id, channel, failure).catch((error) =>
    logger.warn("provider error not recorded", { wabaInstanceId: instance.id, error: String(error) }),
  );
}
