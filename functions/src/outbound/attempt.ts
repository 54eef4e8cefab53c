import { setTimeout as sleep } from "node:timers/promises";
import type { SendFailure } from "../messaging/types";
import { logger } from "../shared/logger";
import { resolveInstance } from "../messaging/provider";
import { failoverOf, type MessagingInstance } from "../model/waba-instance";
import { claimStep, SEND_LEASE_MS, type Claimed } from "./claim";
import { completeStep, type InProcessHead, type StartedSend } from "./complete";
import type { OutboundDeps } from "./deps";
import { attemptTaskSchema, type AttemptTask } from "./dispatch";
import { reportFailure } from "./failure";
import { sendIntervalMs } from "./pacing";
import { afterSent, deliveryProblemOf, noteProviderError, sendClaimed, whatsAppIdOf } from "./send";
import { rememberSent } from "./sent-here";
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

/**
 * A claimed attempt's send and its completion (sent, a retry task, or failed with its alerts).
 * `inProcess`: the message as this process created it claimed (its completion need not read it again).
 */
async function sendAndComplete(
  task: AttemptTask,
  claimed: Claimed,
  deps: OutboundDeps,
  inProcess?: InProcessHead,
): Promise<string> {
  const startedAt = Date.now();
  const problem = deliveryProblemOf(claimed);
  const result = await sendClaimed(claimed, deps);
  // Looked up before the completion, so the sent state and the link are one write.
  const waMessageId = result.ok ? await whatsAppIdOf(claimed, result.providerMessageId, deps) : undefined;
  const interval = sendIntervalMs(claimed.instance);
  const pacing: StartedSend | undefined = interval !== undefined ? { intervalMs: interval, startedAt } : undefined;
  const completed = await runStep(deps.scheduler, (reads) =>
    completeStep(reads, task, claimed, result, pacing, waMessageId, inProcess),
  );
  if (result.ok) {
    if (inProcess) rememberSent(inProcess.known.ref.path);
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

/** A message its producer created already claimed (the head of an idle conversation): its first attempt, in process. */
export interface InlineAttempt extends InProcessHead {
  task: AttemptTask;
  claimed: Claimed;
}

/**
 * The number that may send a reply's first attempt in process, without a task hop: a connected
 * Wasender number without pacing and without a failover (its claim would choose nothing else), for a
 * reply not asked of Meta. Any other number's replies go through the task queue's claim. No read: the
 * configuration cache.
 */
export async function inlineSender(
  vendorId: string,
  wabaInstanceId: string,
  requested: unknown,
): Promise<MessagingInstance | undefined> {
  if (requested !== undefined) return undefined;
  const resolution = await resolveInstance(vendorId, wabaInstanceId);
  if (!resolution.ok) return undefined;
  const instance = resolution.instance;
  const plain =
    instance.provider === "wasender" && failoverOf(instance) === undefined && sendIntervalMs(instance) === undefined;
  return plain ? instance : undefined;
}

/** How a producer claims the head it creates for `inlineSender`'s number. */
export const INLINE_CLAIM = { provider: "wasender", leaseMs: SEND_LEASE_MS } as const;

/**
 * The first attempt of a message created claimed: sent and completed here. Should anything throw, the
 * task of its generation takes over (it waits out the lease, as after a crash), so it is never lost.
 */
export async function attemptInline(attempt: InlineAttempt, deps: OutboundDeps): Promise<string> {
  try {
    return await sendAndComplete(attempt.task, attempt.claimed, deps, attempt);
  } catch (error) {
    const { vendorId, messageId } = attempt.task;
    logger.warn("first attempt in process failed; left to its task", { vendorId, messageId, error: String(error) });
    await deps.scheduler.schedule([attempt.task]);
    return "left to its task";
  }
}
