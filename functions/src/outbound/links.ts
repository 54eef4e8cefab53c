import { type DocumentReference, FieldValue, Timestamp } from "firebase-admin/firestore";
import { firestore, getBoth } from "../shared/firestore";
import { advances, type DeliveryStatus, deliveryStatusSchema } from "../model/delivery";
import { OUTBOUND, outboundRef } from "../store/conversation-paths";
import { logger } from "../shared/logger";
import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * Sending returns Wasender's integer msgId; statuses name the WhatsApp message id (`key.id`). The
 * outbound message carries it as `waMessageId` (written with the sent state, from GET
 * /messages/{msgId}/info made before it), and a status finds its message by it (one query, no link
 * document to write and read).
 *   vendors/{v}/pending_statuses/{waMessageId}  -> the best status seen before the message had its id,
 *                                                  landed by its task (`scheduleLanding`) once it has it
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

function statusFields(report: DeliveryReport): Record<string, unknown> {
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
 * yet, and asks for its landing task (the message's completion is about to give it its id).
 */
export async function recordStatus(
  vendorId: string,
  waMessageId: string,
  report: DeliveryReport,
): Promise<StatusOutcome> {
  const outcome = await firestore().runTransaction(async (tx): Promise<StatusOutcome> => {
    const message = (await tx.get(messageWithId(vendorId, waMessageId))).docs[0];
    if (message) {
      if (!advances(currentStatus(message.get("deliveryStatus")), report.status)) return "stale";
      tx.update(message.ref, statusFields(report));
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
  if (outcome === "pending") await scheduleLanding({ vendorId, waMessageId });
  return outcome;
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
    const [pending, message] = await getBoth(tx, pendingDoc, target);
    const update: Record<string, unknown> = { waMessageId };
    const early = currentStatus(pending.get("status"));
    const reason: unknown = pending.get("reason");
    if (early && advances(currentStatus(message.get("deliveryStatus")), early)) {
      Object.assign(
        update,
        statusFields({ status: early, ...(typeof reason === "string" && reason !== "" && { reason }) }),
      );
    }
    tx.update(target, update);
    if (pending.exists) tx.delete(pendingDoc);
  });
}

/** Kept statuses the sweep looks at: kept between these ages (it runs every minute: each is seen once or twice). */
const KEPT_WINDOW = { fromMs: 60_000, toMs: 3 * 60_000 };

/**
 * The sweep's safety net behind the landing task, which gives up after about a minute (a message whose
 * id came later, an enqueue that failed): a kept status a minute or two old whose message has its id
 * by now lands on it. Statuses of messages this backend never sent (the vendor typing on the phone)
 * stay kept, seen by the sweep once or twice. Returns how many landed.
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
    if ((await landKeptStatus(vendorId, waMessageId)) === "landed") landed += 1;
  }
  return landed;
}

export type Landing = "landed" | "no message yet" | "nothing kept";

/**
 * A kept status onto its message, forward only, and the kept copy deleted: once its message has its
 * id. One read while it has not (the query), two once it has.
 */
export async function landKeptStatus(vendorId: string, waMessageId: string): Promise<Landing> {
  const keptRef = pendingRef(vendorId, waMessageId);
  return firestore().runTransaction(async (tx): Promise<Landing> => {
    const message = (await tx.get(messageWithId(vendorId, waMessageId))).docs[0];
    if (!message) return "no message yet";
    const kept = await tx.get(keptRef);
    const status = currentStatus(kept.get("status"));
    if (!kept.exists) return "nothing kept";
    if (status && advances(currentStatus(message.get("deliveryStatus")), status)) {
      const reason: unknown = kept.get("reason");
      tx.update(message.ref, statusFields({ status, ...(typeof reason === "string" && reason && { reason }) }));
    }
    tx.delete(keptRef);
    return "landed";
  });
}

/** Thrown by the landing task while its message has no id yet: the queue tries again later. */
export class NotLinkedYet extends Error {}

/** The `keptStatusLanding` task's body. */
export async function handleKeptStatusTask(data: unknown): Promise<Landing | "invalid task"> {
  const parsed = keptStatusTaskSchema.safeParse(data);
  if (!parsed.success) {
    logger.error("kept status task ignored: not a task of this queue", {
      problems: parsed.error.issues.map((issue) => issue.message),
    });
    return "invalid task";
  }
  const landing = await landKeptStatus(parsed.data.vendorId, parsed.data.waMessageId);
  if (landing === "no message yet") throw new NotLinkedYet("no outbound message has this WhatsApp id yet");
  return landing;
}

/**
 * A status that came before its message had its WhatsApp id is kept aside (`pending_statuses`), and a
 * task on this queue lands it once the message has it: the completion that gives the id reads nothing
 * for it. The queue retries the task, backing off, for about a minute; the self-healing sweep lands a
 * kept status left after that.
 */
export const KEPT_STATUS_FUNCTION = "keptStatusLanding";

export const keptStatusTaskSchema = z.object({
  vendorId: z.string().min(1),
  waMessageId: z.string().min(1),
});
export type KeptStatusTask = z.infer<typeof keptStatusTaskSchema>;

/** One task per kept WhatsApp id (a later status of the same id is landed by the same task). */
export function keptStatusTaskId(task: KeptStatusTask): string {
  return `kept-${createHash("sha256").update(`${task.vendorId}/${task.waMessageId}`).digest("hex").slice(0, 40)}`;
}

/** Asks for a kept status to be landed. A failed enqueue is logged: the sweep lands it a minute or two later. */
export async function scheduleLanding(task: KeptStatusTask): Promise<void> {
  try {
    // Loaded when first needed: the status webhooks' cold start does not load the task queue client.
    const { enqueueOnce } = require("../shared/task-queue") as typeof import("../shared/task-queue");
    await enqueueOnce(KEPT_STATUS_FUNCTION, task, { id: keptStatusTaskId(task) });
  } catch (error) {
    logger.warn("kept status landing not enqueued; the sweep will land it", {
      vendorId: task.vendorId,
      waMessageId: task.waMessageId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
