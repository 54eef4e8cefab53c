import { FieldValue, type DocumentReference, type DocumentSnapshot } from "firebase-admin/firestore";
import { decodeDelivery, deliveryFields } from "./delivery-codec";
import { transition, type Delivery, type DeliveryError } from "./delivery-state";
import type { Dispatch } from "./dispatch";
import { update, type Reads, type Write } from "./step";

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
  ref: DocumentReference,
  conversation: DocumentSnapshot,
  ended: Delivery,
  now: number,
  extra: { error?: DeliveryError; fields?: Record<string, unknown> } = {},
): Promise<{ writes: Write[]; dispatches: Dispatch[] }> {
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
  const next = nextSnap?.exists ? decodeDelivery(nextSnap.get("delivery")) : undefined;
  // A queued id that is no outbound message any more (deleted by hand) leaves the queue too; the sweep
  // walks past any further such ids.
  const removed = nextId && !next ? [messageId, nextId] : [messageId];
  if (conversation.exists) writes.push(update(conversation.ref, { outbox: FieldValue.arrayRemove(...removed) }));
  if (!next || !nextSnap || (next.state !== "waiting" && next.state !== "queued")) return { writes, dispatches: [] };
  const dispatched = transition(next, { type: "dispatch" }, now);
  writes.push(update(nextSnap.ref, deliveryFields(dispatched, now)));
  const [vendorId, customer] = [ref.parent.parent!.parent.parent!.id, ref.parent.parent!.id];
  const dispatch: Dispatch = { vendorId, customer, messageId: nextSnap.id, generation: dispatched.generation, ...(dispatched.nextAttemptAt !== undefined && { at: dispatched.nextAttemptAt }) };
  return { writes, dispatches: [dispatch] };
}
