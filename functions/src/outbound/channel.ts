import type { DocumentSnapshot, Transaction } from "firebase-admin/firestore";
import { Timestamp } from "firebase-admin/firestore";
import { route, type Circuit, type CircuitSettings, type WasenderFailureKind } from "../model/circuit";
import { failoverOf, sendsWithUnipile, type MessagingInstance } from "../model/waba-instance";
import type { Channel } from "../messaging/provider";
import type { SendFailure } from "../messaging/types";
import { readInstanceRuntime } from "../store/waba-instances";
import type { Delivery, DeliveryError } from "./delivery-state";

/** Meta delivers free text only within 24 hours of the customer's last message (meta-cloud-api.md). */
export const CUSTOMER_WINDOW_MS = 24 * 60 * 60_000;

export type ChannelChoice =
  | { kind: "send"; channel: Channel; probe: boolean; circuit?: Circuit }
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
 * - a Wasender number with a Meta failover follows its circuit (read in this transaction: every
 *   function instance sees the same), but never to Meta outside the customer's 24-hour window;
 * - any other number: Wasender, waiting while its session is down.
 */
export async function chooseChannel(reads: Pick<Transaction, "get">, input: ChannelInput): Promise<ChannelChoice> {
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

  const runtime = await readInstanceRuntime(reads, instance.id);
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
    ...(decided.next && { circuit: decided.next }),
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
