import { FieldValue, Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { advances, deliveryStatusSchema, type DeliveryStatus } from "../model/delivery";
import { OUTBOUND, outboundRef } from "../store/conversation-paths";
import type { MessageView, Reads, Write } from "./step";

/**
 * Sending returns Wasender's integer msgId; statuses name the WhatsApp message id (`key.id`). The
 * outbound message carries it as `waMessageId` (written with the sent state, from GET
 * /messages/{msgId}/info made before it), and a status finds its message by it (one query, no link
 * document to write and read).
 *   vendors/{v}/pending_statuses/{waMessageId}  -> the best status seen before the message had its id
 */
function messageWithId(vendorId: string, waMessageId: string) {
  return firestore()
    .collectionGroup(OUTBOUND)
    .where("vendorId", "==", vendorId)
    .where("waMessageId", "==", waMessageId)
    .limit(1);
}

function pendingRef(vendorId: string, waMessageId: string): DocumentReference {
  return firestore().collection("vendors").doc(vendorId).collection("pending_statuses").doc(safeId(waMessageId));
}

function safeId(id: string): string {
  return id.replace(/[/]/g, "_").slice(0, 500);
}

export interface DeliveryReport {
  status: DeliveryStatus;
  reason?: string;
}

function deliveryFields(report: DeliveryReport): Record<string, unknown> {
  return {
    deliveryStatus: report.status,
    deliveryUpdatedAt: FieldValue.serverTimestamp(),
    ...(report.status === "error" && { deliveryError: report.reason ?? "Wasender reported status 0 (error)" }),
  };
}

function currentStatus(value: unknown): DeliveryStatus | undefined {
  const parsed = deliveryStatusSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export type StatusOutcome = "applied" | "stale" | "pending";

/**
 * Lands a status on its outbound message, forward only; keeps it aside while no message has its id
 * yet. The query runs in the transaction, so a completion giving the message its id at the same time
 * conflicts with it (and the one that retries sees the other's write).
 */
export async function recordStatus(
  vendorId: string,
  waMessageId: string,
  report: DeliveryReport,
): Promise<StatusOutcome> {
  return firestore().runTransaction(async (tx) => {
    const message = (await tx.get(messageWithId(vendorId, waMessageId))).docs[0];
    if (message) {
      if (!advances(currentStatus(message.get("deliveryStatus")), report.status)) return "stale";
      tx.update(message.ref, deliveryFields(report));
      return "applied";
    }
    const pendingDoc = pendingRef(vendorId, waMessageId);
    const pending = await tx.get(pendingDoc);
    if (pending.exists && !advances(currentStatus(pending.get("status")), report.status)) return "pending";
    tx.set(pendingDoc, {
      waMessageId,
      status: report.status,
      ...(report.reason && { reason: report.reason }),
      updatedAt: FieldValue.serverTimestamp(),
    });
    return "pending";
  });
}

/** Gives an outbound message its WhatsApp id (statuses find it by it), and applies any status that arrived first. */
export async function linkOutbound(
  vendorId: string,
  waMessageId: string,
  customer: string,
  messageId: string,
): Promise<void> {
  const target = outboundRef(vendorId, customer, messageId);
  await firestore().runTransaction(async (tx) => {
    const pendingDoc = pendingRef(vendorId, waMessageId);
    const [pending, message] = await Promise.all([tx.get(pendingDoc), tx.get(target)]);
    const update: Record<string, unknown> = { waMessageId };
    const early = currentStatus(pending.get("status"));
    const reason: unknown = pending.get("reason");
    if (early && advances(currentStatus(message.get("deliveryStatus")), early)) {
      Object.assign(
        update,
        deliveryFields({ status: early, ...(typeof reason === "string" && reason !== "" && { reason }) }),
      );
    }
    tx.update(target, update);
    if (pending.exists) tx.delete(pendingDoc);
  });
}

/**
 * The link of a message being recorded sent, for the transaction that records it: the message's
 * fields (its WhatsApp id, and a status that arrived before it) and the status kept aside, deleted. One
 * read (that status); `message` is the transaction's own read of the message.
 */
export async function linkInCompletion(
  reads: Reads,
  vendorId: string,
  waMessageId: string,
  message: MessageView,
): Promise<{ fields: Record<string, unknown>; writes: Write[] }> {
  const pendingDoc = pendingRef(vendorId, waMessageId);
  const pending = await reads.get(pendingDoc);
  const fields: Record<string, unknown> = { waMessageId };
  const early = currentStatus(pending.get("status"));
  if (early && advances(currentStatus(message.get("deliveryStatus")), early)) {
    const reason = pending.get("reason") as string | undefined;
    Object.assign(fields, deliveryFields({ status: early, ...(reason && { reason }) }));
  }
  const writes: Write[] = pending.exists ? [(tx) => tx.delete(pendingDoc)] : [];
  return { fields, writes };
}

/** Kept statuses the sweep looks at: kept between these ages (it runs every minute: each is seen once or twice). */
const KEPT_WINDOW = { fromMs: 60_000, toMs: 3 * 60_000 };

/**
 * The sweep's safety net for the one race a status and its message's completion can run: the status
 * queried for its message an instant before the completion stored the id, and kept itself aside after
 * the completion had read that nothing was kept. A kept status a minute or two old whose message has
 * its id by now lands on it. Statuses of messages this backend never sent (the vendor typing on the
 * phone) stay kept, seen by the sweep once or twice. Returns how many landed.
 */
export async function landKeptStatuses(now = Date.now(), limit = 200): Promise<number> {
  const kept = await firestore()
    .collectionGroup("pending_statuses")
    .where("updatedAt", ">=", Timestamp.fromMillis(now - KEPT_WINDOW.toMs))
    .where("updatedAt", "<", Timestamp.fromMillis(now - KEPT_WINDOW.fromMs))
    .orderBy("updatedAt")
    .limit(limit)
    .get();
  let landed = 0;
  for (const doc of kept.docs) {
    const vendorId = doc.ref.parent.parent!.id;
    const waMessageId: unknown = doc.get("waMessageId");
    if (typeof waMessageId !== "string") continue;
    const moved = await firestore().runTransaction(async (tx) => {
      const [current, found] = await Promise.all([tx.get(doc.ref), tx.get(messageWithId(vendorId, waMessageId))]);
      const message = found.docs[0];
      const status = currentStatus(current.get("status"));
      if (!current.exists || !message || !status) return false;
      if (advances(currentStatus(message.get("deliveryStatus")), status)) {
        const reason: unknown = current.get("reason");
        tx.update(message.ref, deliveryFields({ status, ...(typeof reason === "string" && reason && { reason }) }));
      }
      tx.delete(doc.ref);
      return true;
    });
    if (moved) landed += 1;
  }
  return landed;
}
