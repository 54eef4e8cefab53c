import { resolveInstance, type Channel } from "../messaging/provider";

/** How a claim finds the message's number (the configuration cache; a unit test passes its own). */
export type ResolveInstance = typeof resolveInstance;
import { outboundContentSchema, type OutboundContent } from "../model/message";
import type { MessagingInstance } from "../model/waba-instance";
import { conversationRef, outboundRef } from "../store/conversation-paths";
import { writeCircuit } from "../store/waba-instances";
import { chooseChannel } from "./channel";
import { endMessage, outboxOf, passTurn } from "./conversation-turn";
import { decodeDelivery, deliveryFields } from "./delivery-codec";
import { TERMINAL, transition, type Delivery, type DeliveryError, type DeliveryEvent } from "./delivery-state";
import type { AttemptTask } from "./dispatch";
import { failureAlerts, withProviderErrors, type FailedDelivery } from "./failure";
import { sendIntervalMs } from "./pacing";
import { leaveLine, takeTurn } from "./send-line";
import { applyFields, snapshotOf, update, type MessageView, type Plan, type Reads, type Write } from "./step";

/** How long a sender owns a message; far above the 10 s request timeout, so only a dead sender loses it. */
export const SEND_LEASE_MS = 60_000;

export type ClaimOutcome =
  | {
      kind: "claimed";
      delivery: Delivery;
      instance: MessagingInstance;
      channel: Channel;
      to: string;
      content: OutboundContent;
      /** The message as the claim leaves it (what it read, with what it wrote). */
      message: MessageView;
    }
  | { kind: "done"; reason: string; failed?: FailedDelivery }
  | { kind: "early"; dueInMs: number }
  /** Another run is sending this message. */
  | { kind: "busy"; reason: string };

export type Claimed = Extract<ClaimOutcome, { kind: "claimed" }>;

function transitionOrUndefined(delivery: Delivery, event: DeliveryEvent, now: number): Delivery | undefined {
  try {
    return transition(delivery, event, now);
  } catch {
    return undefined;
  }
}

/**
 * The claim of one attempt (a transaction's step): the task's generation, not before the message is
 * due, first in its conversation, before its deadline, addressed to its conversation's customer, its
 * number usable, its turn on the number's send line; then `sending` with a lease. Anything else ends
 * here: a wait, a schedule, or a failure with its alerts.
 */
export async function claimStep(
  reads: Reads,
  task: AttemptTask,
  resolve: ResolveInstance = resolveInstance,
): Promise<Plan<ClaimOutcome>> {
  const ref = outboundRef(task.vendorId, task.customer, task.messageId);
  const now = Date.now();
  const [snap, conversation] = await Promise.all([
    reads.get(ref),
    reads.get(conversationRef(task.vendorId, task.customer)),
  ]);
  const delivery = snap.exists ? decodeDelivery(snap.get("delivery")) : undefined;
  if (!delivery) return { outcome: { kind: "done", reason: "no such outbound message" } };
  if (delivery.generation !== task.generation)
    return {
      outcome: { kind: "done", reason: `stale task (generation ${task.generation}, now ${delivery.generation})` },
    };
  if (TERMINAL.has(delivery.state)) return { outcome: { kind: "done", reason: `already ${delivery.state}` } };
  if (delivery.state === "sending") {
    if ((delivery.leaseExpiresAt ?? 0) > now)
      return { outcome: { kind: "busy", reason: "another run is sending this message" } };
    const next = transition(delivery, { type: "lease_expired" }, now);
    return {
      outcome: { kind: "done", reason: "the previous sender stopped mid-send; retried" },
      writes: [update(ref, deliveryFields(next, now))],
      dispatches: [{ ...task, generation: next.generation }],
    };
  }
  if (delivery.nextAttemptAt !== undefined && delivery.nextAttemptAt > now)
    return { outcome: { kind: "early", dueInMs: delivery.nextAttemptAt - now } };

  const outbox = outboxOf(conversation);
  const head = outbox[0];
  const behind = head !== undefined && head !== task.messageId && outbox.includes(task.messageId);
  if (behind) {
    // The head is read: one that ended without leaving the outbox (left listed by an earlier version of
    // this code, or by hand) is dropped, and the turn passes on as its completion would have passed it.
    const listed = await reads.get(outboundRef(task.vendorId, task.customer, head));
    const headDelivery = listed.exists ? decodeDelivery(listed.get("delivery")) : undefined;
    if (!headDelivery || TERMINAL.has(headDelivery.state)) {
      const turn = await passTurn(reads, conversation, head, now, snap);
      return { outcome: { kind: "done", reason: `${head} ended; turn passed on` }, ...turn };
    }
    const next = transition(
      delivery,
      { type: "wait", reason: "an earlier message of this conversation is not sent yet", waitingFor: head },
      now,
    );
    const writes =
      delivery.state !== "waiting" || delivery.waitingFor !== head ? [update(ref, deliveryFields(next, now))] : [];
    return { outcome: { kind: "done", reason: `waiting for ${head}` }, writes };
  }

  // A message that does not send now leaves its number's send line (a holder passes the turn on).
  const fail = async (error: DeliveryError): Promise<Plan<ClaimOutcome>> => {
    const left = await leaveLine(reads, snap, delivery, now);
    const ended = await endMessage(reads, snap, conversation, transition(delivery, { type: "fail", error }, now), now, {
      error,
      fields: left.fields,
    });
    const failed: FailedDelivery = {
      error,
      instanceProblem: false,
      wabaInstanceId: String(snap.get("wabaInstanceId")),
    };
    return {
      outcome: { kind: "done", reason: `failed: ${error.message}`, failed },
      writes: [...ended.writes, ...left.writes, ...failureAlerts(task, failed)],
      dispatches: [...ended.dispatches, ...left.dispatches],
    };
  };
  if (now > delivery.deadlineAt) {
    const last = delivery.lastErrors ? "" : delivery.lastError ? `; last error: ${delivery.lastError.message}` : "";
    return fail({
      code: "deadline",
      message: withProviderErrors(`delivery deadline passed before it could be sent${last}`, delivery),
    });
  }
  const content = outboundContentSchema.safeParse(snap.data());
  const to: unknown = snap.get("to");
  const wabaInstanceId: unknown = snap.get("wabaInstanceId");
  if (!content.success || typeof wabaInstanceId !== "string")
    return fail({ code: "invalid", message: "the outbound message has no valid content or number" });
  if (to !== task.customer)
    return fail({ code: "misrouted", message: "the message is not addressed to its conversation's customer" });
  const resolution = await resolve(task.vendorId, wabaInstanceId, { requested: snap.get("channel") });
  if (!resolution.ok && !resolution.wait) return fail({ code: "instance_unusable", message: resolution.reason });
  const instance = resolution.instance;
  const choice = await chooseChannel(reads, {
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
    const left = await leaveLine(reads, snap, delivery, now);
    const next = transitionOrUndefined(delivery, { type: "wait", reason: choice.reason }, now);
    const fields = {
      ...(next && delivery.waitingReason !== choice.reason && deliveryFields(next, now)),
      ...left.fields,
    };
    const writes = Object.keys(fields).length > 0 ? [update(ref, fields), ...left.writes] : left.writes;
    return { outcome: { kind: "done", reason: choice.reason }, writes, dispatches: left.dispatches };
  }

  const writes: Write[] = [];
  let turnFields: Record<string, unknown> = {};
  if (sendIntervalMs(instance) !== undefined) {
    const turn = await takeTurn(reads, task, snap, delivery, instance.id, now);
    const { fields, writes: lineWrites, dispatches } = turn.change;
    if (!turn.go) {
      const own = Object.keys(fields).length > 0 ? [update(ref, fields)] : [];
      return { outcome: { kind: "done", reason: turn.reason }, writes: [...own, ...lineWrites], dispatches };
    }
    writes.push(...lineWrites);
    turnFields = fields;
  }
  const circuit = choice.circuit;
  if (circuit) writes.push((tx) => writeCircuit(tx, instance.id, circuit));
  const claimed = transition(delivery, { type: "claim", leaseMs: SEND_LEASE_MS, provider: choice.channel }, now);
  const claimFields = { ...deliveryFields(claimed, now), attempts: claimed.attempts, ...turnFields };
  writes.push(update(ref, claimFields));
  const message = snapshotOf(ref, applyFields(snap.data() ?? {}, claimFields));
  return {
    outcome: {
      kind: "claimed",
      delivery: claimed,
      instance,
      channel: choice.channel,
      to,
      content: content.data,
      message,
    },
    writes,
  };
}
