import { setTimeout as sleep } from "node:timers/promises";
import type { SendFailure } from "../messaging/types";
import { logger } from "../shared/logger";
import { claimStep, type Claimed } from "./claim";
import { completeStep, type StartedSend } from "./complete";
import type { OutboundDeps } from "./deps";
import { attemptTaskSchema, type AttemptTask } from "./dispatch";
import { reportFailure } from "./failure";
import { sendIntervalMs } from "./pacing";
import { afterSent, deliveryProblemOf, noteProviderError, sendClaimed, whatsAppIdOf } from "./send";
import { runStep } from "./step";

/** Thrown so the task queue delivers the task again later: it came early, or another run holds the lease. */
export class RetryLater extends Error {}

/** A task this close to its due time waits in process instead of being sent back to the queue. */
const EARLY_WAIT_MAX_MS = 1_000;

const claim = (task: AttemptTask, deps: OutboundDeps) => runStep(deps.scheduler, (reads) => claimStep(reads, task));

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
  const completed = await runStep(deps.scheduler, (reads) =>
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
