import { setTimeout as sleep } from "node:timers/promises";
import type { SendFailure, SendResult } from "../messaging/types";
import { logger } from "../shared/logger";
import { type Claimed, claimStep } from "./claim";
import { completeStep, type StartedSend } from "./complete";
import { type AttemptTask, attemptTaskSchema, type OutboundDeps } from "./dispatch";
import { markInstanceProblem, reportFailure } from "./failure";
import { sendIntervalMs } from "./send-line";
import { type Plan, type Reads, runStep } from "./step";
import type { Channel } from "../messaging/provider";
import type { MessagingInstance } from "../model/waba-instance";
import { hasDeliveryProblem, isStaleRuntime, readRuntime, recordProviderError } from "../store/waba-instances";
import { HttpsError } from "firebase-functions/v2/https";

/** Thrown so the task queue delivers the task again later: it came early, or another run holds the lease. */
export class RetryLater extends Error {}

/** A task this close to its due time waits in process instead of being sent back to the queue. */
const EARLY_WAIT_MAX_MS = 1_000;

/** Commits refused because the number's runtime changed since it was read, made again on a fresh read before giving up. */
const STALE_RUNTIME_TRIES = 10;

/** A step run again while its commit finds the number's runtime changed since its read (`readRuntimeForSend`). */
async function runStepFresh<T>(deps: OutboundDeps, step: (reads: Reads) => Promise<Plan<T>>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await runStep(deps.scheduler, step);
    } catch (error) {
      if (!isStaleRuntime(error) || tries >= STALE_RUNTIME_TRIES) throw error;
    }
  }
}

const claim = (task: AttemptTask, deps: OutboundDeps) => runStepFresh(deps, (reads) => claimStep(reads, task));

/**
 * One send attempt of one outbound message (the task queue function's body): claim it, send once,
 * complete it (README, "Delivery"). Acts only with the task's generation, and never before the
 * message is due, so a duplicated, stale or early task changes nothing.
 */
export async function performAttempt(raw: unknown, deps: OutboundDeps): Promise<string> {
  const parsed = attemptTaskSchema.safeParse(raw);
  if (!parsed.success) {
    logger.error("send attempt task ignored: not a task of this queue", {
      problems: parsed.error.issues.map((i) => i.message),
    });
    return "invalid task";
  }
  const task = parsed.data;
  let claimed = await claim(task, deps);
  if (claimed.kind === "early" && claimed.dueInMs <= EARLY_WAIT_MAX_MS) {
    await sleep(claimed.dueInMs);
    claimed = await claim(task, deps);
  }
  if (claimed.kind === "early") throw new RetryLater(`not due for ${Math.ceil(claimed.dueInMs / 1000)} s`);
  if (claimed.kind === "busy") throw new RetryLater(claimed.reason);
  if (claimed.kind === "done") {
    if (claimed.failed) await reportFailure(task, claimed.failed);
    return claimed.reason;
  }

  return sendAndComplete(task, claimed, deps);
}

/** A claimed attempt's send and its completion (sent, a retry task, or failed with its alerts). */
async function sendAndComplete(task: AttemptTask, claimed: Claimed, deps: OutboundDeps): Promise<string> {
  const startedAt = Date.now();
  const problem = deliveryProblemOf(claimed);
  const result = await sendClaimed(claimed, deps);
  // Looked up before the completion, so the sent state and the link are one write.
  const waMessageId = result.ok ? await whatsAppIdOf(claimed, result.providerMessageId, deps) : undefined;
  const interval = sendIntervalMs(claimed.instance);
  const pacing: StartedSend | undefined = interval !== undefined ? { intervalMs: interval, startedAt } : undefined;
  const completed = await runStepFresh(deps, (reads) =>
    completeStep(reads, task, claimed, result, pacing, waMessageId),
  );
  if (result.ok) {
    await afterSent(task, claimed, problem);
    return "sent";
  }
  const failure = (result as { failure: SendFailure }).failure;
  logger.warn("outbound attempt failed", {
    vendorId: task.vendorId,
    messageId: task.messageId,
    attempt: claimed.delivery.attempts,
    provider: claimed.channel,
    failure,
  });
  await noteProviderError(claimed.instance, claimed.channel, failure);
  if (completed.failed) {
    await reportFailure(task, completed.failed);
    return "failed";
  }
  return "retry scheduled";
}

/**
 * An attempt its producer claimed in its own transaction (`Outbox.claimHead`), sent and completed by
 * the producer's run once that transaction committed. Should anything throw, the task of its
 * generation takes over (it waits out the lease, as after a crash), so it is never lost; should the
 * run die, the sweep re-drives the message once its lease is over.
 */
export async function attemptClaimed(task: AttemptTask, claimed: Claimed, deps: OutboundDeps): Promise<string> {
  try {
    return await sendAndComplete(task, claimed, deps);
  } catch (error) {
    const { vendorId, messageId } = task;
    logger.warn("attempt claimed by its producer failed; left to its task", {
      vendorId,
      messageId,
      error: String(error),
    });
    await deps.scheduler.schedule([task]);
    return "left to its task";
  }
}

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

/**
 * The task queue function's body. A task that must come back later (early, or the message is being
 * sent by another run) answers 503, which the queue retries with its backoff and which is not logged
 * as an error: in the emulator, which ignores schedule times, it is the normal way a task waits.
 */
export async function handleAttemptTask(data: unknown, deps: OutboundDeps): Promise<void> {
  try {
    await performAttempt(data, deps);
  } catch (error) {
    if (error instanceof RetryLater) throw new HttpsError("unavailable", error.message);
    throw error;
  }
}
