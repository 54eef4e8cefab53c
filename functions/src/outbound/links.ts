import { FieldValue, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { advances, deliveryStatusSchema, type DeliveryStatus } from "../model/delivery";
import { conversationOf, outboundRef } from "../store/conversation-paths";
import type { MessageView, Reads, Write } from "./step";

/**
 * Sending returns Wasender's integer msgId; statuses name the WhatsApp message id (`key.id`).
 *   vendors/{v}/message_links/{waMessageId}     -> which outbound message it is (written with the sent
 *                                                 state, from GET /messages/{msgId}/info made before it)
 *   vendors/{v}/pending_statuses/{waMessageId}  -> the best status seen before the link existed
 */
function linkRef(vendorId: string, waMessageId: string): DocumentReference {
  return firestore().collection("vendors").doc(vendorId).collection("message_links").doc(safeId(waMessageId));
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

async function applyToMessage(
  tx: Transaction,
  ref: DocumentReference,
  report: DeliveryReport,
): Promise<"applied" | "stale"> {
  const snap = await tx.get(ref);
  if (!advances(currentStatus(snap.get("deliveryStatus")), report.status)) return "stale";
  tx.update(ref, deliveryFields(report));
  return "applied";
}

export type StatusOutcome = "applied" | "stale" | "pending";

/** Lands a status on its outbound message, forward only; keeps it aside while the link is unknown. */
export async function recordStatus(
  vendorId: string,
  waMessageId: string,
  report: DeliveryReport,
): Promise<StatusOutcome> {
  return firestore().runTransaction(async (tx) => {
    const link = await tx.get(linkRef(vendorId, waMessageId));
    if (link.exists) {
      const target = outboundRef(vendorId, link.get("customer") as string, link.get("messageId") as string);
      return applyToMessage(tx, target, report);
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

/** Records which outbound message a WhatsApp id is, and applies any status that arrived first. */
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
    tx.set(linkRef(vendorId, waMessageId), { customer, messageId, linkedAt: FieldValue.serverTimestamp() });
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
 * The link of a message being recorded sent, for the transaction that records it: the link document,
 * and the message's fields (its WhatsApp id, and a status that arrived before it). One read (the status
 * kept aside); `message` is the transaction's own read of the message.
 */
export async function linkInCompletion(
  reads: Reads,
  vendorId: string,
  waMessageId: string,
  message: MessageView,
): Promise<{ fields: Record<string, unknown>; writes: Write[] }> {
  const pendingDoc = pendingRef(vendorId, waMessageId);
  const pending = await reads.get(pendingDoc);
  const { customer } = conversationOf(message.ref);
  const fields: Record<string, unknown> = { waMessageId };
  const early = currentStatus(pending.get("status"));
  if (early && advances(currentStatus(message.get("deliveryStatus")), early)) {
    const reason = pending.get("reason") as string | undefined;
    Object.assign(fields, deliveryFields({ status: early, ...(reason && { reason }) }));
  }
  const link = { customer, messageId: message.id, linkedAt: FieldValue.serverTimestamp() };
  const writes: Write[] = [(tx) => tx.set(linkRef(vendorId, waMessageId), link)];
  if (pending.exists) writes.push((tx) => tx.delete(pendingDoc));
  return { fields, writes };
}
