import { setTimeout as sleep } from "node:timers/promises";
import { FieldValue, type DocumentReference, type DocumentSnapshot, type Transaction } from "firebase-admin/firestore";
import { logger } from "../shared/logger";
import type { SendFailure, SendResult } from "../messaging/types";
import { resolveInstance, type Channel, type ProviderRegistry } from "../messaging/provider";
import { afterWasenderAttempt, type Circuit } from "../model/circuit";
import { outboundContentSchema } from "../model/message";
import { hasMetaFailover, type MessagingInstance } from "../model/waba-instance";
import { firestore } from "../shared/firestore";
import { conversationRef, messageRef } from "../store/conversation-paths";
import { readInstanceRuntime, recordProviderError, writeCircuit } from "../store/waba-instances";
import { markInstanceProblem, raiseAlertIn } from "./alerts";
import { chooseChannel, circuitSettings, failsOverAtOnce, wasenderFailureKind, withinCustomerWindow } from "./channel";
import { decodeDelivery, deliveryFields } from "./delivery-codec";
import { TERMINAL, transition, type Delivery, type DeliveryError, type DeliveryEvent } from "./delivery-state";
import { attemptTaskSchema, type AttemptScheduler, type AttemptTask, type Dispatch } from "./dispatch";
import { linkOutbound } from "./links";
import { pace, pacedReason, readPacingLine, release, sendIntervalMs, waitsForTurn } from "./pacing";
import { decideRetry } from "./retry-policy";

export interface OutboundDeps {
  providers: ProviderRegistry;
  scheduler: AttemptScheduler;
}

/** Thrown so the task queue delivers the task again later: it came early, or another run holds the lease. */
export class RetryLater extends Error {}

/** How long a sender owns a message; far above the 10 s request timeout, so only a dead sender loses it. */
export const SEND_LEASE_MS = 60_000;
/** A task this close to its due time waits in process instead of being sent back to the queue. */
const EARLY_WAIT_MAX_MS = 1_000;

type ClaimOutcome =
  | { kind: "claimed"; delivery: Delivery; instance: MessagingInstance; channel: Channel; to: string; content: { text: string; imageUrl?: string; documentUrl?: string } }
  | { kind: "done"; reason: string; failed?: NonNullable<Finished["failed"]> }
  | { kind: "early"; dueInMs: number }
  | { kind: "busy" };

interface Finished {
  failed?: { error: DeliveryError; instanceProblem: boolean; wabaInstanceId: string };
}

/**
 * One send attempt of one outbound message (the task queue function's body): claim it (its turn in
 * the conversation, its number usable, its pacing slot reached), send once, record the outcome, hand
 * the conversation over to its next message. Acts only with the task's generation, and never before
 * the message is due, so a duplicated, stale or early task changes nothing.
 */
export async function performAttempt(raw: unknown, deps: OutboundDeps): Promise<string> {
  const parsed = attemptTaskSchema.safeParse(raw);
  if (!parsed.success) {
    logger.error("send attempt task ignored: not a task of this queue", { problems: parsed.error.issues.map((i) => i.message) });
    return "invalid task";
  }
  const task = parsed.data;
  let claim = await claimAttempt(task, deps);
  if (claim.kind === "early" && claim.dueInMs <= EARLY_WAIT_MAX_MS) {
    await sleep(claim.dueInMs);
    claim = await claimAttempt(task, deps);
  }
  if (claim.kind === "early") throw new RetryLater(`not due for ${Math.ceil(claim.dueInMs / 1000)} s`);
  if (claim.kind === "busy") throw new RetryLater("another run is sending this message");
  if (claim.kind === "done") {
    if (claim.failed) await reportFailure(task, claim.failed);
    return claim.reason;
  }

  const provider = deps.providers.forInstance(claim.instance, claim.channel);
  const startedAt = Date.now();
  const result: SendResult = provider
    ? await provider.send(claim.to, claim.content)
    : { ok: false, failure: { code: "not_configured", message: `waba_instances/${claim.instance.id} has no ${claim.channel} sending fields` } };
  const interval = sendIntervalMs(claim.instance);
  const pacing = interval !== undefined ? { wabaInstanceId: claim.instance.id, intervalMs: interval, startedAt } : undefined;
  const outcome = await completeAttempt(task, claim, result, deps, pacing);
  if (result.ok && provider) {
    logger.info("outbound sent", { vendorId: task.vendorId, messageId: task.messageId, attempt: claim.delivery.attempts, provider: claim.channel });
    const waMessageId = await provider.lookupMessageId(result.providerMessageId).catch(() => undefined);
    const ref = messageRef(task.vendorId, task.customer, task.messageId);
    // Never thrown: a redelivered task would find the message sent and not link it; the sweep retries.
    const linked = waMessageId ? await linkOutbound(task.vendorId, waMessageId, task.customer, task.messageId).then(() => true, () => false) : false;
    if (!linked) await ref.update({ linkPending: true, linkAttempts: 1 }).catch((error) => logger.warn("link left for the sweep not recorded", { messageId: task.messageId, error: String(error) }));
    if (claim.instance.deliveryProblem) await markInstanceProblem(claim.instance.id, undefined);
    return "sent";
  }
  const failure = (result as { failure: SendFailure }).failure;
  logger.warn("outbound attempt failed", { vendorId: task.vendorId, messageId: task.messageId, attempt: claim.delivery.attempts, provider: claim.channel, failure });
  await noteProviderError(claim.instance, claim.channel, failure);
  if (outcome.failed) {
    await reportFailure(task, outcome.failed);
    return "failed";
  }
  return "retry scheduled";
}

/** After the failure committed (with its alerts): logged, and the number marked when Wasender refuses it. */
async function reportFailure(task: AttemptTask, failed: NonNullable<Finished["failed"]>): Promise<void> {
  const { error, instanceProblem, wabaInstanceId } = failed;
  logger.error("outbound failed", { vendorId: task.vendorId, messageId: task.messageId, code: error.code, reason: error.message });
  if (instanceProblem) await markInstanceProblem(wabaInstanceId, { code: error.code, message: error.message });
}

/**
 * The operator's alerts for a message that ended failed, written by the transaction that fails it (a
 * crash cannot separate them): `delivery_failed`, and `instance_refused` when Wasender refuses the number.
 */
function writeFailureAlerts(tx: Transaction, task: AttemptTask, failed: NonNullable<Finished["failed"]>): void {
  const { error, instanceProblem, wabaInstanceId } = failed;
  const subject = messageRef(task.vendorId, task.customer, task.messageId).path;
  raiseAlertIn(tx, task.vendorId, alertIdFor(task), { kind: "delivery_failed", message: error.message, subject, details: { code: error.code } });
  if (instanceProblem) {
    raiseAlertIn(tx, task.vendorId, `instance_${wabaInstanceId}_${error.code}`, {
      kind: "instance_refused",
      message: error.message,
      subject: `waba_instances/${wabaInstanceId}`,
    });
  }
}

function alertIdFor(task: AttemptTask): string {
  return `failed_${task.customer.replace(/\W/g, "")}_${task.messageId}`.slice(0, 500);
}

function transitionOrUndefined(delivery: Delivery, event: DeliveryEvent, now: number): Delivery | undefined {
  try {
    return transition(delivery, event, now);
  } catch {
    return undefined;
  }
}

async function claimAttempt(task: AttemptTask, deps: OutboundDeps): Promise<ClaimOutcome> {
  const ref = messageRef(task.vendorId, task.customer, task.messageId);
  const { outcome, dispatches } = await firestore().runTransaction(async (tx) => {
    const dispatches: Dispatch[] = [];
    const result = (outcome: ClaimOutcome) => ({ outcome, dispatches });
    const now = Date.now();
    const [snap, conversation] = await Promise.all([tx.get(ref), tx.get(conversationRef(task.vendorId, task.customer))]);
    const delivery = snap.exists ? decodeDelivery(snap.get("delivery")) : undefined;
    if (!delivery) return result({ kind: "done", reason: "no such outbound message" });
    if (delivery.generation !== task.generation) return result({ kind: "done", reason: `stale task (generation ${task.generation}, now ${delivery.generation})` });
    if (TERMINAL.has(delivery.state)) return result({ kind: "done", reason: `already ${delivery.state}` });
    if (delivery.state === "sending") {
      if ((delivery.leaseExpiresAt ?? 0) > now) return result({ kind: "busy" });
      const next = transition(delivery, { type: "lease_expired" }, now);
      tx.update(ref, deliveryFields(next, now));
      dispatches.push({ ...task, generation: next.generation });
      return result({ kind: "done", reason: "the previous sender stopped mid-send; retried" });
    }
    if (delivery.nextAttemptAt !== undefined && delivery.nextAttemptAt > now) return result({ kind: "early", dueInMs: delivery.nextAttemptAt - now });

    const outbox = outboxOf(conversation);
    const head = outbox[0];
    if (head !== undefined && head !== task.messageId && outbox.includes(task.messageId)) {
      const next = transition(delivery, { type: "wait", reason: "an earlier message of this conversation is not sent yet", waitingFor: head }, now);
      if (delivery.state !== "waiting" || delivery.waitingFor !== head) tx.update(ref, deliveryFields(next, now));
      return result({ kind: "done", reason: `waiting for ${head}` });
    }
    // Once the number is known: a paced one's send line, which a message that fails here leaves.
    let paced: { wabaInstanceId: string; intervalMs: number } | undefined;
    const fail = async (error: DeliveryError) => {
      const leaveLine = paced ? await releaseLine(tx, ref.path, paced, now, dispatches) : () => {};
      await finish(tx, ref, conversation, transition(delivery, { type: "fail", error }, now), now, dispatches, { error });
      leaveLine();
      const failed = { error, instanceProblem: false, wabaInstanceId: String(snap.get("wabaInstanceId")) };
      writeFailureAlerts(tx, task, failed);
      return result({ kind: "done", reason: `failed: ${error.message}`, failed });
    };
    if (now > delivery.deadlineAt) {
      const last = delivery.lastErrors ? "" : delivery.lastError ? `; last error: ${delivery.lastError.message}` : "";
      return fail({ code: "deadline", message: withProviderErrors(`delivery deadline passed before it could be sent${last}`, delivery) });
    }
    const content = outboundContentSchema.safeParse(snap.data());
    const to = snap.get("to");
    const wabaInstanceId = snap.get("wabaInstanceId");
    if (!content.success || typeof wabaInstanceId !== "string") return fail({ code: "invalid", message: "the outbound message has no valid content or number" });
    if (to !== task.customer) return fail({ code: "misrouted", message: "the message is not addressed to its conversation's customer" });
    const resolution = await resolveInstance(task.vendorId, wabaInstanceId);
    if (!resolution.ok && !resolution.wait) return fail({ code: "instance_unusable", message: resolution.reason });
    const instance = resolution.instance;
    const interval = sendIntervalMs(instance);
    if (interval !== undefined) paced = { wabaInstanceId: instance.id, intervalMs: interval };
    const choice = await chooseChannel(tx, {
      instance,
      downReason: resolution.ok ? undefined : resolution.reason,
      delivery,
      requested: snap.get("channel"),
      conversation,
      messageId: task.messageId,
      now,
      probeLeaseMs: SEND_LEASE_MS,
    });
    if (choice.kind === "fail") return fail(choice.error);
    if (choice.kind === "wait") {
      // Waiting for its number, not for its turn: off the send line, which hands over to the next.
      const leaveLine = paced ? await releaseLine(tx, ref.path, paced, now, dispatches) : () => {};
      const next = transitionOrUndefined(delivery, { type: "wait", reason: choice.reason }, now);
      if (next && delivery.waitingReason !== choice.reason) tx.update(ref, deliveryFields(next, now));
      leaveLine();
      return result({ kind: "done", reason: choice.reason });
    }

    if (paced) {
      const { line, write } = await readPacingLine(tx, instance.id);
      // A first entry that no longer waits for its turn (ended, or failed elsewhere) must not hold the line.
      while (line.queue[0] !== undefined && line.queue[0] !== ref.path && !(await waitsOnLine(tx, line.queue[0]))) line.queue.shift();
      const verdict = pace(line, ref.path, now, SEND_LEASE_MS);
      if (!verdict.go) {
        write(verdict.line);
        if (verdict.at !== undefined) {
          const next = transition(delivery, { type: "schedule", at: verdict.at }, now);
          tx.update(ref, deliveryFields(next, now));
          dispatches.push({ ...task, generation: next.generation, at: verdict.at });
          return result({ kind: "done", reason: `paced to ${new Date(verdict.at).toISOString()}` });
        }
        const reason = pacedReason(verdict.ahead);
        if (delivery.waitingReason !== reason) tx.update(ref, deliveryFields(transition(delivery, { type: "wait", reason }, now), now));
        return result({ kind: "done", reason });
      }
      write(verdict.line);
    }
    if (choice.circuit) writeCircuit(tx, instance.id, choice.circuit);
    const claimed = transition(delivery, { type: "claim", leaseMs: SEND_LEASE_MS, provider: choice.channel }, now);
    tx.update(ref, { ...deliveryFields(claimed, now), attempts: claimed.attempts });
    return result({ kind: "claimed", delivery: claimed, instance, channel: choice.channel, to, content: content.data });
  });
  await deps.scheduler.schedule(dispatches);
  return outcome;
}

/**
 * Reads (now) what freeing a number's send line needs, and returns the writes (to run after the
 * transaction's other writes): the line without this send, and the first waiting message scheduled.
 * Without `startedAt` the message only leaves the line (it sent nothing): nothing to write when it
 * was not on it, and the next slot stays as it was.
 */
async function releaseLine(
  tx: Transaction,
  path: string,
  pacing: { wabaInstanceId: string; intervalMs: number; startedAt?: number },
  now: number,
  dispatches: Dispatch[],
): Promise<() => void> {
  const { line, write } = await readPacingLine(tx, pacing.wabaInstanceId);
  if (pacing.startedAt === undefined && !line.queue.includes(path)) return () => {};
  const released = release(line, path, pacing.startedAt ?? 0, pacing.intervalMs);
  let first: DocumentSnapshot | undefined;
  while (released.queue[0] !== undefined) {
    first = await tx.get(firestore().doc(released.queue[0]));
    if (waitsForTurn(first.exists ? decodeDelivery(first.get("delivery")) : undefined)) break;
    released.queue.shift();
    first = undefined;
  }
  return () => {
    write(released);
    const delivery = first ? decodeDelivery(first.get("delivery")) : undefined;
    if (!first || !delivery || released.inFlight) return;
    const scheduled = transition(delivery, { type: "schedule", at: released.nextSlotAt }, now);
    tx.update(first.ref, deliveryFields(scheduled, now));
    const conversation = first.ref.parent.parent!;
    dispatches.push({ vendorId: conversation.parent.parent!.id, customer: conversation.id, messageId: first.id, generation: scheduled.generation, at: released.nextSlotAt });
  };
}

/** Whether the message at `path` still waits for its turn on a send line (see waitsForTurn). */
async function waitsOnLine(tx: Transaction, path: string): Promise<boolean> {
  const snap = await tx.get(firestore().doc(path));
  return waitsForTurn(snap.exists ? decodeDelivery(snap.get("delivery")) : undefined);
}

function outboxOf(conversation: DocumentSnapshot): string[] {
  const outbox = conversation.get("outbox");
  return Array.isArray(outbox) ? outbox.filter((id): id is string => typeof id === "string") : [];
}

/**
 * A message that ended (sent or failed): written, taken off its conversation's outbox, and the next
 * message of the conversation gets its task. Reads before it writes, as transactions require.
 */
async function finish(
  tx: Transaction,
  ref: DocumentReference,
  conversation: DocumentSnapshot,
  ended: Delivery,
  now: number,
  dispatches: Dispatch[],
  extra: { error?: DeliveryError; fields?: Record<string, unknown> } = {},
): Promise<void> {
  const messageId = ref.id;
  const rest = outboxOf(conversation).filter((id) => id !== messageId);
  const nextId = rest[0];
  const nextSnap = nextId ? await tx.get(ref.parent.doc(nextId)) : undefined;
  tx.update(ref, {
    ...deliveryFields(ended, now),
    ...(extra.error && { error: { ...extra.error, retryable: false }, failedAt: FieldValue.serverTimestamp() }),
    ...extra.fields,
  });
  const next = nextSnap?.exists ? decodeDelivery(nextSnap.get("delivery")) : undefined;
  // A queued id that is no outbound message any more (deleted by hand) leaves the queue too; the sweep
  // walks past any further such ids.
  const removed = nextId && !next ? [messageId, nextId] : [messageId];
  if (conversation.exists) tx.update(conversation.ref, { outbox: FieldValue.arrayRemove(...removed) });
  if (!next || !nextSnap) return;
  if (next.state === "waiting" || next.state === "queued") {
    const dispatched = transition(next, { type: "dispatch" }, now);
    tx.update(nextSnap.ref, deliveryFields(dispatched, now));
    const [vendorId, customer] = [ref.parent.parent!.parent.parent!.id, ref.parent.parent!.id];
    dispatches.push({ vendorId, customer, messageId: nextSnap.id, generation: dispatched.generation, ...(dispatched.nextAttemptAt !== undefined && { at: dispatched.nextAttemptAt }) });
  }
}

type Claimed = Extract<ClaimOutcome, { kind: "claimed" }>;

const PROVIDER_NAMES: Record<string, string> = { wasender: "Wasender", meta: "Meta" };

/** A final reason that names every provider's last error (a failover fails with both reasons). */
export function withProviderErrors(reason: string, delivery: Delivery, current?: Channel): string {
  const others = Object.entries(delivery.lastErrors ?? {}).filter(([provider]) => provider !== current);
  if (others.length === 0) return reason;
  return `${reason}; ${others.map(([provider, error]) => `last ${PROVIDER_NAMES[provider] ?? provider} error: ${error.message}`).join("; ")}`;
}

/**
 * Records a send's outcome: sent, a retry at the time the policy says, or failed (and the next
 * message's turn). For a number with a Meta failover it also moves the circuit, and a Wasender
 * failure that opens it (never an ambiguous one) is retried at once through Meta.
 */
async function completeAttempt(
  task: AttemptTask,
  claim: Claimed,
  result: SendResult,
  deps: OutboundDeps,
  pacing?: { wabaInstanceId: string; intervalMs: number; startedAt: number },
): Promise<Finished> {
  const { delivery: claimed, instance, channel } = claim;
  const ref = messageRef(task.vendorId, task.customer, task.messageId);
  const tracksCircuit = channel === "wasender" && hasMetaFailover(instance);
  const { finished, dispatches } = await firestore().runTransaction(async (tx) => {
    const dispatches: Dispatch[] = [];
    const now = Date.now();
    const [snap, conversation, runtime] = await Promise.all([
      tx.get(ref),
      tx.get(conversationRef(task.vendorId, task.customer)),
      tracksCircuit ? readInstanceRuntime(tx, instance.id) : undefined,
    ]);
    const delivery = decodeDelivery(snap.get("delivery"));
    if (!delivery) return { finished: {}, dispatches };
    // The number's send line is free again: its next slot, and a task for its first waiting message.
    const freeLine = pacing ? await releaseLine(tx, ref.path, pacing, now, dispatches) : () => {};
    let circuit: Circuit | undefined;
    if (runtime) {
      const outcome = result.ok ? ({ ok: true } as const) : { ok: false as const, kind: wasenderFailureKind(result.failure), reason: result.failure.message };
      circuit = afterWasenderAttempt(runtime.circuit, outcome, now, circuitSettings(instance));
    }
    // Writes that must follow every read of the transaction.
    const writeLast = () => {
      if (circuit) writeCircuit(tx, instance.id, circuit);
      freeLine();
    };
    if (result.ok) {
      if (delivery.state === "sent") {
        writeLast();
        return { finished: {}, dispatches };
      }
      // Sent is sent, even if the lease ran out meanwhile and a retry was planned: that retry now finds it done.
      const base: Delivery = delivery.state === "sending" ? delivery : { ...delivery, state: "sending" };
      const sent = transition(base, { type: "sent", providerMessageId: result.providerMessageId }, now);
      await finish(tx, ref, conversation, sent, now, dispatches, {
        fields: {
          provider: channel,
          providerMessageId: result.providerMessageId,
          ...(channel === "wasender" && { wasenderMsgId: result.providerMessageId }),
          ...(result.providerStatus && { providerStatus: result.providerStatus }),
          sentAt: FieldValue.serverTimestamp(),
        },
      });
      writeLast();
      return { finished: {}, dispatches };
    }
    // Only the attempt that still owns the message records its failure.
    if (delivery.state !== "sending" || delivery.generation !== claimed.generation) {
      writeLast();
      return { finished: {}, dispatches };
    }
    const failure: SendFailure = result.failure;
    const error: DeliveryError = { code: failure.code, message: failure.message, ...(failure.httpStatus && { httpStatus: failure.httpStatus }) };
    const failOver =
      runtime !== undefined &&
      failsOverAtOnce({ failure, delivery, circuit: circuit ?? runtime.circuit, withinWindow: withinCustomerWindow(conversation, now), now });
    const decision = failOver
      ? ({ action: "retry", at: now, possibleDuplicate: false, reason: failure.message } as const)
      : decideRetry(failure, delivery.attempts, now, delivery.deadlineAt);
    if (decision.action === "retry") {
      const retrying = transition(delivery, { type: "retry", at: decision.at, error, possibleDuplicate: decision.possibleDuplicate }, now);
      tx.update(ref, deliveryFields(retrying, now));
      dispatches.push({ ...task, generation: retrying.generation, at: decision.at });
      writeLast();
      return { finished: {}, dispatches };
    }
    const finalError = { ...error, message: withProviderErrors(decision.reason, delivery, channel) };
    await finish(tx, ref, conversation, transition(delivery, { type: "fail", error: finalError }, now), now, dispatches, { error: finalError });
    writeLast();
    const failed = { error: finalError, instanceProblem: decision.instanceProblem, wabaInstanceId: String(snap.get("wabaInstanceId")) };
    writeFailureAlerts(tx, task, failed);
    return { finished: { failed }, dispatches };
  });
  await deps.scheduler.schedule(dispatches);
  return finished;
}

/** Keeps the number's last error of this provider on the instance (for operators); at most one write per code a minute. */
async function noteProviderError(instance: MessagingInstance, channel: Channel, failure: SendFailure): Promise<void> {
  const known = instance.providerErrors?.[channel];
  const knownAt = typeof known?.at === "string" ? Date.parse(known.at) : known?.at?.toMillis?.();
  if (known?.code === failure.code && knownAt !== undefined && Date.now() - knownAt < 60_000) return;
  await recordProviderError(instance.id, channel, failure).catch((error) => logger.warn("provider error not recorded", { wabaInstanceId: instance.id, error: String(error) }));
}
