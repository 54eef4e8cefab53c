import { Timestamp } from "firebase-admin/firestore";
import { deliverySchema, statusOf, type Delivery } from "./delivery-state";

/** Fields of the delivery map stored as Firestore timestamps (readable dates in the console). */
const TIME_FIELDS = ["deadlineAt", "nextAttemptAt", "slotAt", "leaseExpiresAt", "changedAt"] as const;

/** The delivery map as stored: times as timestamps, `changedAt` stamped. */
export function encodeDelivery(delivery: Delivery, now: number): Record<string, unknown> {
  const stored: Record<string, unknown> = { ...delivery, changedAt: now };
  for (const field of TIME_FIELDS) {
    const value = stored[field];
    if (typeof value === "number") stored[field] = Timestamp.fromMillis(value);
  }
  stored.history = delivery.history.map((entry) => ({ ...entry, at: Timestamp.fromMillis(entry.at) }));
  return stored;
}

export function decodeDelivery(raw: unknown): Delivery | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const copy: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const field of TIME_FIELDS) {
    const value = copy[field];
    if (value instanceof Timestamp) copy[field] = value.toMillis();
  }
  if (Array.isArray(copy.history)) {
    copy.history = copy.history.map((entry: Record<string, unknown>) => ({
      ...entry,
      at: entry.at instanceof Timestamp ? entry.at.toMillis() : entry.at,
    }));
  }
  const parsed = deliverySchema.safeParse(copy);
  return parsed.success ? parsed.data : undefined;
}

/** The message fields a delivery change writes: the map and the coarse status beside it. */
export function deliveryFields(delivery: Delivery, now: number): Record<string, unknown> {
  return {
    delivery: encodeDelivery(delivery, now),
    status: statusOf(delivery.state),
    ...(delivery.possibleDuplicate && { possibleDuplicate: true }),
  };
}
