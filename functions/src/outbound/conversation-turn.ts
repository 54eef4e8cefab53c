import { FieldValue, type DocumentSnapshot } from "firebase-admin/firestore";
import { conversationIds, conversationOf, messageRef, outboundRef } from "../store/conversation-paths";
import { decodeDelivery, deliveryFields } from "./delivery-codec";
import { statusOf, transition, type Delivery, type DeliveryError } from "./delivery-state";
import type { Dispatch } from "./dispatch";
import { IN_PROCESS_HEAD } from "./outbox";
import { update, type MessageView, type Reads, type Write } from "./step";

export function outboxOf(conversation: DocumentSnapshot): string[] {
  const outbox: unknown = conversation.get("outbox");
  return Array.isArray(outbox) ? outbox.filter((id): id is string => typeof id === "string") : [];
}

/**
 * A message that ended (sent or failed): written, taken off its conversation's outbox, and the next
 * message of the conversation gets its task. Reads now; returns the writes and the task.
 */
export async function endMessage(
  reads: Reads,
  message: MessageView,
  conversation: DocumentSnapshot,
  ended: Delivery,
  now: number,
  extra: { error?: DeliveryError; fields?: Record<string, unknown> } = {},
): Promise<{ writes: Write[]; dispatches: Dispatch[] }> {
  const writes = await recordEnd(reads, message, ended, now, extra);
  const turn = await passTurn(reads, conversation, message.id, now);
  return { writes: [...writes, ...turn.writes], dispatches: turn.dispatches };
}

/**
 * The ended message's own writes (its delivery, and a dashboard's copy told), without its
 * conversation: `endMessage`'s first half, and the whole of an in-process reply's success (`complete.ts`).
 */
export async function recordEnd(
  reads: Reads,
  message: MessageView,
  ended: Delivery,
  now: number,
  extra: { error?: DeliveryError; fields?: Record<string, unknown> } = {},
): Promise<Write[]> {
  return [
    update(message.ref, {
      ...deliveryFields(ended, now),
      ...(extra.error && { error: { ...extra.error, retryable: false }, failedAt: FieldValue.serverTimestamp() }),
      ...extra.fields,
    }),
    ...(await mirrorToDashboard(reads, message, ended, extra.error)),
  ];
}

/**
 * The conversation's turn passes on from a message that ended: it leaves the outbox, and the next
 * message gets its task (a new generation). `next`: that message as the caller already read it.
 */
export async function passTurn(
  reads: Reads,
  conversation: DocumentSnapshot,
  endedId: string,
  now: number,
  next?: DocumentSnapshot,
): Promise<{ writes: Write[]; dispatches: Dispatch[] }> {
  const rest = outboxOf(conversation).filter((id) => id !== endedId);
  const nextId = rest[0];
  const { vendorId, customer } = conversationIds(conversation.ref);
  const nextSnap = !nextId
    ? undefined
    : next?.id === nextId
      ? next
      : await reads.get(outboundRef(vendorId, customer, nextId));
  const nextDelivery = nextSnap?.exists ? decodeDelivery(nextSnap.get("delivery")) : undefined;
  // A queued id that is no outbound message any more (deleted by hand) leaves the queue too; the sweep
  // walks past any further such ids.
  const removed = nextId && !nextDelivery ? [endedId, nextId] : [endedId];
  const markedInProcess = conversation.get(IN_PROCESS_HEAD) === endedId;
  // An in-process head with nothing behind it stays listed, unwritten: the next producer drops it.
  const lingers = rest.length === 0 && markedInProcess;
  const writes: Write[] = [];
  if (conversation.exists && !lingers)
    writes.push(
      update(conversation.ref, {
        outbox: FieldValue.arrayRemove(...removed),
        ...(markedInProcess && { [IN_PROCESS_HEAD]: FieldValue.delete() }),
      }),
    );
  if (!nextDelivery || !nextSnap || (nextDelivery.state !== "waiting" && nextDelivery.state !== "queued"))
    return { writes, dispatches: [] };
  const dispatched = transition(nextDelivery, { type: "dispatch" }, now);
  writes.push(update(nextSnap.ref, deliveryFields(dispatched, now)));
  const dispatch: Dispatch = {
    vendorId,
    customer,
    messageId: nextSnap.id,
    generation: dispatched.generation,
    ...(dispatched.nextAttemptAt !== undefined && { at: dispatched.nextAttemptAt }),
  };
  return { writes, dispatches: [dispatch] };
}

/**
 * A message no longer sent in process (its attempt failed, or its sender died) loses the conversation's
 * `inProcessHead` mark: what waits behind it stops asking and gets its turn from its completion.
 */
export function unmarkInProcess(conversation: DocumentSnapshot, messageId: string): Write[] {
  return conversation.get(IN_PROCESS_HEAD) === messageId
    ? [update(conversation.ref, { [IN_PROCESS_HEAD]: FieldValue.delete() })]
    : [];
}

/**
 * A dashboard's message learns how its send ended (its own document, in the conversation's messages):
 * the status, and the reason of a failure. One read; nothing when the dashboard deleted it meanwhile.
 */
async function mirrorToDashboard(
  reads: Reads,
  message: MessageView,
  ended: Delivery,
  error: DeliveryError | undefined,
): Promise<Write[]> {
  if (message.get("fromDashboard") !== true) return [];
  const { vendorId, customer } = conversationOf(message.ref);
  const dashboard = await reads.get(messageRef(vendorId, customer, message.id));
  if (!dashboard.exists) return [];
  return [
    update(dashboard.ref, {
      status: statusOf(ended.state),
      ...(ended.state === "sent" && { sentAt: FieldValue.serverTimestamp() }),
      ...(error && { error: { ...error, retryable: false }, failedAt: FieldValue.serverTimestamp() }),
    }),
  ];
}
