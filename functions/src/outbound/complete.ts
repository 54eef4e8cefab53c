import { FieldValue } from "firebase-admin/firestore";
import type { SendFailure, SendResult } from "../messaging/types";
import { afterWasenderAttempt, type Circuit } from "../model/circuit";
import { failoverOf } from "../model/waba-instance";
import { conversationRef, outboundRef } from "../store/conversation-paths";
import { readRuntimeForSend, writeCircuitAsRead } from "../store/waba-instances";
import { circuitSettings, type Claimed, failsOverAtOnce, wasenderFailureKind, withinCustomerWindow } from "./claim";
import { endMessage } from "./conversation-turn";
import { decodeDelivery, type Delivery, type DeliveryError, deliveryFields, transition } from "./delivery-state";
import type { AttemptTask } from "./dispatch";
import { decideRetry, type FailedDelivery, failureAlerts, withProviderErrors } from "./failure";
import { endTurn } from "./send-line";
import { type Plan, type Reads, update, type Write } from "./step";

/** How much of its lease a first attempt must have left for its completion to work from what its claim wrote. */
const TRUSTED_LEASE_MS = 30_000;

/** A paced send that started: when, and the spacing of its number's sends. */
export interface StartedSend {
  startedAt: number;
  intervalMs: number;
}

/**
 * Records a send's outcome (a transaction's step): sent (linked to its WhatsApp id), a retry at the
 * time the policy says, or failed with its alerts (and the next message's turn). For a number with a
 * Meta failover it also moves the circuit, and a Wasender failure that opens it (never an ambiguous
 * one) is retried at once through Meta. A paced number's turn passes on to its oldest waiter (or the line goes idle).
 */
export async function completeStep(
  reads: Reads,
  task: AttemptTask,
  claim: Claimed,
  result: SendResult,
  pacing: StartedSend | undefined,
  waMessageId?: string,
): Promise<Plan<{ failed?: FailedDelivery }>> {
  const { delivery: claimed, instance, channel } = claim;
  const ref = outboundRef(task.vendorId, task.customer, task.messageId);
  const tracksCircuit = channel === "wasender" && failoverOf(instance) !== undefined;
  const now = Date.now();
  // A first attempt whose lease is far from over is not read again: no earlier attempt can end late,
  // and under the lease no one else writes the message (claims find it busy, the sweep waits for the
  // lease to end), so the message is as its claim left it.
  const trusted = claimed.attempts === 1 && (claimed.leaseExpiresAt ?? 0) - now > TRUSTED_LEASE_MS;
  // The number's runtime outside the transaction, its circuit written on condition that it is
  // unchanged (see `readRuntimeForSend`): a completion refused for it is made again (`deliver.ts`).
  const [snap, conversation, read] = await Promise.all([
    trusted ? claim.message : reads.get(ref),
    reads.get(conversationRef(task.vendorId, task.customer)),
    tracksCircuit ? readRuntimeForSend(instance.id) : undefined,
  ]);
  const runtime = read?.runtime;
  const delivery = decodeDelivery(snap.get("delivery"));
  if (!delivery) return { outcome: {} };
  // The number's turn passes on (the next waiter's task, at this start plus the interval), unless a
  // newer attempt of this message owns it now.
  const owner = result.ok || delivery.generation === claimed.generation;
  const freed =
    pacing && owner
      ? await endTurn(reads, snap, pacing.startedAt, pacing.intervalMs, now)
      : { fields: {}, writes: [], dispatches: [] };
  let circuit: Circuit | undefined;
  if (runtime) {
    const outcome = result.ok
      ? ({ ok: true } as const)
      : { ok: false as const, kind: wasenderFailureKind(result.failure), reason: result.failure.message };
    circuit = afterWasenderAttempt(runtime.circuit, outcome, now, circuitSettings(instance));
  }
  const always: Write[] = [
    ...(circuit && read
      ? [(tx: FirebaseFirestore.Transaction) => writeCircuitAsRead(tx, instance.id, circuit, read)]
      : []),
    ...freed.writes,
  ];
  const plan = (
    outcome: { failed?: FailedDelivery },
    writes: Write[] = [],
    dispatches = freed.dispatches,
  ): Plan<{ failed?: FailedDelivery }> => ({
    outcome,
    writes: [...writes, ...always],
    dispatches,
  });
  const ownFields = freed.fields;
  const ownOnly = Object.keys(ownFields).length > 0 ? [update(ref, ownFields)] : [];

  if (result.ok) {
    if (delivery.state === "sent") return plan({}, ownOnly);
    // Sent is sent, even if the lease ran out meanwhile and a retry was planned: that retry now finds it done.
    const base: Delivery = delivery.state === "sending" ? delivery : { ...delivery, state: "sending" };
    const sent = transition(base, { type: "sent", providerMessageId: result.providerMessageId }, now);
    // Linked to its WhatsApp id in this same write (statuses find it by it; one that came before is
    // landed by its own task); a failed lookup is the sweep's.
    const link = waMessageId ? { waMessageId } : { linkPending: true, linkAttempts: 1 };
    const fields = {
      ...link,
      provider: channel,
      providerMessageId: result.providerMessageId,
      ...(channel === "wasender" && { wasenderMsgId: result.providerMessageId }),
      ...(result.providerStatus && { providerStatus: result.providerStatus }),
      sentAt: FieldValue.serverTimestamp(),
      ...ownFields,
    };
    const ended = await endMessage(reads, snap, conversation, sent, now, { fields });
    return plan({}, ended.writes, [...ended.dispatches, ...freed.dispatches]);
  }
  // Only the attempt that still owns the message records its failure.
  if (delivery.state !== "sending" || delivery.generation !== claimed.generation) return plan({}, ownOnly);
  const failure: SendFailure = result.failure;
  const error: DeliveryError = {
    code: failure.code,
    message: failure.message,
    ...(failure.httpStatus && { httpStatus: failure.httpStatus }),
  };
  const failOver =
    runtime !== undefined &&
    failsOverAtOnce({
      failure,
      delivery,
      circuit: circuit ?? runtime.circuit,
      withinWindow: failoverOf(instance) === "unipile" || withinCustomerWindow(conversation, now),
      now,
    });
  const decision = failOver
    ? ({ action: "retry", at: now, possibleDuplicate: false, reason: failure.message } as const)
    : decideRetry(failure, delivery.attempts, now, delivery.deadlineAt);
  if (decision.action === "retry") {
    const retrying = transition(
      delivery,
      { type: "retry", at: decision.at, error, possibleDuplicate: decision.possibleDuplicate },
      now,
    );
    return plan(
      {},
      [update(ref, { ...deliveryFields(retrying, now), ...ownFields })],
      [{ ...task, generation: retrying.generation, at: decision.at }, ...freed.dispatches],
    );
  }
  const finalError = { ...error, message: withProviderErrors(decision.reason, delivery, channel) };
  const ended = await endMessage(
    reads,
    snap,
    conversation,
    transition(delivery, { type: "fail", error: finalError }, now),
    now,
    { error: finalError, fields: ownFields },
  );
  const failed: FailedDelivery = {
    error: finalError,
    instanceProblem: decision.instanceProblem,
    wabaInstanceId: String(snap.get("wabaInstanceId")),
  };
  return plan(
    { failed },
    [...ended.writes, ...failureAlerts(task, failed)],
    [...ended.dispatches, ...freed.dispatches],
  );
}
