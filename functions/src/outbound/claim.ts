import { type Channel, resolveInstance } from "../messaging/provider";
import { type DocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { type Circuit, type CircuitSettings, route, type WasenderFailureKind } from "../model/circuit";
import { failoverOf, type MessagingInstance, sendsWithUnipile } from "../model/waba-instance";
import type { SendFailure } from "../messaging/types";
import { readRuntimeForSend, type RuntimeRead, writeCircuitAsRead } from "../store/waba-instances";
import {
  decodeDelivery,
  type Delivery,
  type DeliveryError,
  type DeliveryEvent,
  deliveryFields,
  TERMINAL,
  transition,
} from "./delivery-state";
import { type OutboundContent, outboundContentSchema } from "../model/message";
import { conversationRef, outboundRef } from "../store/conversation-paths";
import { endMessage, outboxOf, passTurn } from "./conversation-turn";
import type { AttemptTask } from "./dispatch";
import { type FailedDelivery, failureAlerts, withProviderErrors } from "./failure";
import { leaveLine, sendIntervalMs, takeTurn } from "./send-line";
import { applyFields, type MessageView, type Plan, type Reads, snapshotOf, update, type Write } from "./step";

/** How a claim finds the message's number (the configuration cache; a unit test passes its own). */
export type ResolveInstance = typeof resolveInstance;

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
  const choice = await chooseChannel({
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
  if (circuit) writes.push((tx) => writeCircuitAsRead(tx, instance.id, circuit.next, circuit.runtime));
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

/** Meta delivers free text only within 24 hours of the customer's last message (meta-cloud-api.md). */
export const CUSTOMER_WINDOW_MS = 24 * 60 * 60_000;

export type ChannelChoice =
  /** `circuit`: to write (the probe's lease), on condition that the runtime is still as `runtime` read it. */
  | { kind: "send"; channel: Channel; probe: boolean; circuit?: { next: Circuit; runtime: RuntimeRead } }
  | { kind: "wait"; reason: string }
  | { kind: "fail"; error: DeliveryError };

export function circuitSettings(instance: MessagingInstance): CircuitSettings {
  return { threshold: instance.failoverThreshold, cooldownMs: instance.failoverCooldownSeconds * 1000 };
}

/** Whether the customer wrote within Meta's 24-hour window (the conversation's `lastInboundAt`). */
export function withinCustomerWindow(conversation: DocumentSnapshot, now: number): boolean {
  const last: unknown = conversation.get("lastInboundAt");
  return last instanceof Timestamp && now - last.toMillis() < CUSTOMER_WINDOW_MS;
}

const OUTSIDE_WINDOW: DeliveryError = {
  code: "outside_window",
  message:
    "the customer has not written in the last 24 hours: the WhatsApp Cloud API only delivers approved templates outside that window, so this free-text message was not sent",
};

const NO_META_SENDER: DeliveryError = {
  code: "instance_unusable",
  message:
    "the customer wrote to this number's Cloud API number, which has no metaAccessToken to answer with: set it on the instance",
};

const NO_UNIPILE_SENDER: DeliveryError = {
  code: "instance_unusable",
  message:
    "the customer wrote to this number's Unipile account, which has no unipileAccountId, unipileApiKey and " +
    "unipileApiUrl to answer with",
};

export interface ChannelInput {
  instance: MessagingInstance;
  /** Set when the number cannot take messages now (its session is disconnected). */
  downReason: string | undefined;
  delivery: Delivery;
  /** The channel the message asks for: "meta" / "unipile" for a reply to a customer who wrote through it. */
  requested: unknown;
  conversation: DocumentSnapshot;
  messageId: string;
  now: number;
  probeLeaseMs: number;
}

/**
 * Which provider sends this message now (README, "Meta failover"):
 * - a Cloud-API-only number, or a reply to a customer who wrote to the Meta number: Meta;
 * - a message whose last attempt may have reached WhatsApp stays with that provider, so a reply is
 *   never sent by both;
 * - a Wasender number with a Meta failover follows its circuit (read outside the transaction, and the
 *   probe's lease written on condition that it is unchanged: every function instance sees the same,
 *   and one probe at a time), but never to Meta outside the customer's 24-hour window;
 * - any other number: Wasender, waiting while its session is down.
 */
export async function chooseChannel(input: ChannelInput): Promise<ChannelChoice> {
  const { instance, downReason, delivery, conversation, now } = input;
  const pinned = delivery.possibleDuplicate ? delivery.provider : undefined;
  const viaMeta = (): ChannelChoice =>
    withinCustomerWindow(conversation, now)
      ? { kind: "send", channel: "meta", probe: false }
      : { kind: "fail", error: OUTSIDE_WINDOW };

  if (instance.provider === "meta") return downReason ? { kind: "wait", reason: downReason } : viaMeta();
  // A Unipile number answers through Unipile (no customer window: it is the linked phone, as Wasender).
  const viaUnipile: ChannelChoice = { kind: "send", channel: "unipile", probe: false };
  if (instance.provider === "unipile") return downReason ? { kind: "wait", reason: downReason } : viaUnipile;
  const metaConfigured = !!instance.metaPhoneNumberId && !!instance.metaAccessToken;
  if (input.requested === "meta" || pinned === "meta") {
    // The customer wrote to the Cloud API number: the answer comes from it or not at all (never from
    // the Wasender number, a different one the customer did not write to).
    return metaConfigured ? viaMeta() : { kind: "fail", error: NO_META_SENDER };
  }
  if (input.requested === "unipile" || pinned === "unipile") {
    // The customer wrote to the Unipile account (or it may have the message): answered from it, never by both.
    return sendsWithUnipile(instance) ? viaUnipile : { kind: "fail", error: NO_UNIPILE_SENDER };
  }
  const onWasender = (): ChannelChoice =>
    downReason ? { kind: "wait", reason: downReason } : { kind: "send", channel: "wasender", probe: false };
  const failover = failoverOf(instance);
  if (!failover || pinned === "wasender") return onWasender();

  const read = await readRuntimeForSend(instance.id);
  const runtime = read.runtime;
  // A number whose runtime document has no status copy yet (onboarded before it existed): the instance's own.
  const status = runtime.status ?? instance.status;
  const sessionDown = status === "disconnected" ? (runtime.sessionStatus ?? "disconnected") : undefined;
  const settings = circuitSettings(instance);
  const decided = route(runtime.circuit, sessionDown, now, settings, input.messageId, input.probeLeaseMs, failover);
  if (decided.channel === "meta" && !withinCustomerWindow(conversation, now)) {
    // Meta cannot deliver it: the message keeps to Wasender (waiting while the session is down).
    const reason = `${downReason ?? `the Wasender session is ${sessionDown}`}; no Meta failover: the customer has not written in the last 24 hours`;
    return sessionDown ? { kind: "wait", reason } : { kind: "send", channel: "wasender", probe: false };
  }
  return {
    kind: "send",
    channel: decided.channel,
    probe: decided.probe,
    ...(decided.next && { circuit: { next: decided.next, runtime: read } }),
  };
}

/** Failures after which a message must not change provider: WhatsApp may already have it. */
const AMBIGUOUS = new Set(["timeout", "connection_lost"]);

/** How a failed Wasender attempt bears on the failover circuit. */
export function wasenderFailureKind(failure: SendFailure): WasenderFailureKind {
  if (["unreachable", "server_error", "timeout", "connection_lost", "rate_limited"].includes(failure.code))
    return "transient";
  if (failure.code === "unauthorized" || failure.code === "not_found") return "refused";
  return "message";
}

/**
 * Whether a failed Wasender attempt is retried at once through the failover (Meta or Unipile) rather
 * than at the retry policy's pace: Wasender failed, not ambiguously, and the circuit (after this failure) sends the number's
 * replies to Meta, which can deliver this one. Never a message an earlier attempt may have delivered
 * (`possibleDuplicate`): it stays on Wasender, where an immediate retry would only hammer it.
 */
export function failsOverAtOnce(input: {
  failure: SendFailure;
  delivery: Delivery;
  circuit: Circuit | undefined;
  /** Whether the failover can deliver it: Meta within the 24-hour window; Unipile always. */
  withinWindow: boolean;
  now: number;
}): boolean {
  const { failure, delivery, circuit, withinWindow, now } = input;
  return (
    !delivery.possibleDuplicate &&
    !AMBIGUOUS.has(failure.code) &&
    wasenderFailureKind(failure) !== "message" &&
    circuit?.state === "open" &&
    withinWindow &&
    now < delivery.deadlineAt
  );
}
