import { FieldValue, type DocumentSnapshot } from "firebase-admin/firestore";
import { conversationOf, messageRef } from "../store/conversation-paths";
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
  const ref = message.ref;
  const messageId = ref.id;
  const rest = outboxOf(conversation).filter((id) => id !== messageId);
  const nextId = rest[0];
  const nextSnap = nextId ? await reads.get(ref.parent.doc(nextId)) : undefined;
  const writes: Write[] = [
    update(ref, {
      ...deliveryFields(ended, now),
      ...(extra.error && { error: { ...extra.error, retryable: false }, failedAt: FieldValue.serverTimestamp() }),
      ...extra.fields,
    }),
  ];
  writes.push(...(await mirrorToDashboard(reads, message, ended, extra.error)));
  const next = nextSnap?.exists ? decodeDelivery(nextSnap.get("delivery")) : undefined;
  // A queued id that is no outbound message any more (deleted by hand) leaves the queue too; the sweep
  // walks past any further such ids.
  const removed = nextId && !next ? [messageId, nextId] : [messageId];
  // An in-process head with nothing behind it stays listed, unwritten: the next producer drops it.
  const lingers = rest.length === 0 && conversation.get(IN_PROCESS_HEAD) === messageId;
  if (conversation.exists && !lingers)
    writes.push(update(conversation.ref, { outbox: FieldValue.arrayRemove(...removed) }));
  if (!next || !nextSnap || (next.state !== "waiting" && next.state !== "queued")) return { writes, dispatches: [] };
  const dispatched = transition(next, { type: "dispatch" }, now);
  writes.push(update(nextSnap.ref, deliveryFields(dispatched, now)));
  const { vendorId, customer } = conversationOf(ref);
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
