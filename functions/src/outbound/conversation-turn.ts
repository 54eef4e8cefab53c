import { type DocumentSnapshot, FieldValue } from "firebase-admin/firestore";
import { conversationIds, conversationOf, messageRef, outboundRef } from "../store/conversation-paths";
import {
  decodeDelivery,
  type Delivery,
  type DeliveryError,
  deliveryFields,
  statusOf,
  transition,
} from "./delivery-state";
import type { Dispatch } from "./dispatch";
import { type MessageView, type Reads, update, type Write } from "./step";

export function outboxOf(conversation: DocumentSnapshot): string[] {
  const outbox: unknown = conversation.get("outbox");
  return Array.isArray(outbox) ? outbox.filter((id): id is string => typeof id === "string") : [];
}

/**
 * A message that ended (sent or failed): written (and a dashboard's copy told), taken off its
 * conversation's outbox, and the next message of the conversation gets its task. Reads now; returns
 * the writes and the task.
 */
export async function endMessage(
  reads: Reads,
  message: MessageView,
  conversation: DocumentSnapshot,
  ended: Delivery,
  now: number,
  extra: { error?: DeliveryError; fields?: Record<string, unknown> } = {},
): Promise<{ writes: Write[]; dispatches: Dispatch[] }> {
  const own = update(message.ref, {
    ...deliveryFields(ended, now),
    ...(extra.error && { error: { ...extra.error, retryable: false }, failedAt: FieldValue.serverTimestamp() }),
    ...extra.fields,
  });
  const mirrored = await mirrorToDashboard(reads, message, ended, extra.error);
  const turn = await passTurn(reads, conversation, message.id, now);
  return { writes: [own, ...mirrored, ...turn.writes], dispatches: turn.dispatches };
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
  const writes: Write[] = conversation.exists
    ? [update(conversation.ref, { outbox: FieldValue.arrayRemove(...removed) })]
    : [];
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
