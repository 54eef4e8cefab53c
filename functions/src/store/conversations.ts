import { createHash } from "node:crypto";
import { FieldValue, Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import type { ConversationState } from "../engine/chat-engine";
import type { SendFailure } from "../messaging/provider";
import {
  inboundDocSchema,
  outboundDocSchema,
  type InboundDoc,
  type InboundMessage,
  type OutboundContent,
  type OutboundDoc,
} from "../model/message";

/**
 * Layout, so the console reads naturally per customer:
 *   vendors/{vendorId}/conversations/{customer E.164}               conversation state
 *   vendors/{vendorId}/conversations/{customer E.164}/messages/{id} inbound and outbound messages
 */
const ALREADY_EXISTS = 6;
/** How long a sender owns an outbound message before another run may judge it stuck. */
const SEND_LEASE_MS = 60_000;

export function conversationRef(vendorId: string, customer: string): DocumentReference {
  return firestore().collection("vendors").doc(vendorId).collection("conversations").doc(customer);
}

export function messageRef(vendorId: string, customer: string, messageId: string): DocumentReference {
  return conversationRef(vendorId, customer).collection("messages").doc(messageId);
}

/**
 * The inbound document id is derived from the WhatsApp message id alone, so every redelivery of the
 * same message, under any event name, lands on the same document.
 */
export function inboundMessageId(waMessageId: string): string {
  if (/^[A-Za-z0-9_-]{1,200}$/.test(waMessageId)) return `in_${waMessageId}`;
  return `in_h${createHash("sha256").update(waMessageId).digest("hex").slice(0, 40)}`;
}

export function replyMessageId(inboundId: string, index: number): string {
  return `${inboundId.replace(/^in_/, "out_")}_${index}`;
}

export type StoreOutcome = "stored" | "duplicate";

/** Create-if-absent: the first delivery of a message creates it, every later one changes nothing. */
export async function storeInbound(
  vendorId: string,
  wabaInstanceId: string,
  message: InboundMessage,
): Promise<StoreOutcome> {
  const doc: InboundDoc & Record<string, unknown> = {
    direction: "inbound",
    vendorId,
    wabaInstanceId,
    waMessageId: message.waMessageId,
    from: message.from,
    text: message.text,
    kind: message.kind,
    event: message.event,
    processing: { state: "pending" },
    receivedAt: FieldValue.serverTimestamp(),
  };
  if (message.customerName) doc.customerName = message.customerName;
  if (message.sentAt) doc.sentAt = Timestamp.fromDate(message.sentAt);
  try {
    await messageRef(vendorId, message.from, inboundMessageId(message.waMessageId)).create(doc);
    return "stored";
  } catch (error) {
    if ((error as { code?: unknown }).code === ALREADY_EXISTS) return "duplicate";
    throw error;
  }
}


export interface InboundDecision {
  state: "done" | "skipped" | "failed";
  reason?: string;
  replies: OutboundContent[];
  conversationState?: ConversationState;
  /** Messages to someone else than the buyer: the vendor's owner phone on a handoff. */
  notices?: { to: string; content: OutboundContent }[];
  /** A person takes over: the bot stays silent in this conversation until it is resumed. */
  pauseBot?: boolean;
  /** Writes the decision's own operations buffered (orders, stock); called after every read. */
  apply?: (tx: Transaction) => void;
}

/** What a decision knows of its conversation besides the engine's state. */
export interface ConversationView {
  state: ConversationState;
  /** Set by a handoff; an operator (or the vendor's REPRENDRE command) sets it back to false. */
  botPaused: boolean;
}

/** Outbound messages to send after a decision, per recipient (the buyer first). */
export type SendList = { to: string; ids: string[] }[];

export interface QueuedOutbound {
  wabaInstanceId: string;
  origin: OutboundDoc["origin"];
  inReplyTo?: string;
  content: OutboundContent;
}

/** Creates a queued outbound message inside a transaction; the run that created it sends it. */
export function queueOutbound(tx: Transaction, vendorId: string, to: string, messageId: string, message: QueuedOutbound): void {
  const outbound: OutboundDoc & Record<string, unknown> = {
    direction: "outbound",
    vendorId,
    wabaInstanceId: message.wabaInstanceId,
    to,
    origin: message.origin,
    status: "queued",
    attempts: 0,
    text: message.content.text,
    createdAt: FieldValue.serverTimestamp(),
  };
  if (message.inReplyTo) outbound.inReplyTo = message.inReplyTo;
  if (message.content.imageUrl) outbound.imageUrl = message.content.imageUrl;
  if (message.content.documentUrl) outbound.documentUrl = message.content.documentUrl;
  tx.create(messageRef(vendorId, to, messageId), outbound);
}

/**
 * Runs `decide` on a pending inbound message and records its outcome exactly once: the replies (as
 * queued outbound messages), the new conversation state, whatever the decision buffered (an order, a
 * stock change) and the message's processing state commit together, so a trigger delivered twice
 * decides once. Returns what to send, in order.
 */
export async function decideOnce(
  vendorId: string,
  customer: string,
  messageId: string,
  decide: (inbound: InboundDoc, conversation: ConversationView, tx: Transaction) => Promise<InboundDecision>,
): Promise<{ sends: SendList; alreadyDecided: boolean; wabaInstanceId: string }> {
  const inboundRef = messageRef(vendorId, customer, messageId);
  const convRef = conversationRef(vendorId, customer);
  // More attempts than the default 5: during a live rush many buyers' decisions touch one product.
  return firestore().runTransaction(async (tx) => {
    const [inboundSnap, convSnap] = await Promise.all([tx.get(inboundRef), tx.get(convRef)]);
    const inbound = inboundDocSchema.parse(inboundSnap.data());
    if (inbound.processing.state !== "pending") {
      const sends: SendList = [{ to: customer, ids: inbound.processing.replyIds ?? [] }];
      for (const notice of inbound.processing.notices ?? []) sends.push({ to: notice.to, ids: [notice.id] });
      return { sends, alreadyDecided: true, wabaInstanceId: inbound.wabaInstanceId };
    }
    const conversationView: ConversationView = {
      state: (convSnap.get("state") as ConversationState | undefined) ?? {},
      botPaused: convSnap.get("botPaused") === true,
    };
    const decision = await decide(inbound, conversationView, tx);
    decision.apply?.(tx);
    const wabaInstanceId = inbound.wabaInstanceId;
    const replyIds = decision.replies.map((_, index) => replyMessageId(messageId, index));
    decision.replies.forEach((content, index) => {
      queueOutbound(tx, vendorId, customer, replyIds[index]!, { wabaInstanceId, origin: "engine", inReplyTo: messageId, content });
    });
    const notices = (decision.notices ?? []).map((notice, index) => ({ to: notice.to, id: `${replyMessageId(messageId, index)}_notice` }));
    (decision.notices ?? []).forEach((notice, index) => {
      queueOutbound(tx, vendorId, notice.to, notices[index]!.id, { wabaInstanceId, origin: "engine", content: notice.content });
    });
    const conversation: Record<string, unknown> = {
      vendorId,
      customer,
      lastInboundAt: FieldValue.serverTimestamp(),
      lastInboundText: inbound.text,
    };
    if (inbound.customerName) conversation.customerName = inbound.customerName;
    if (decision.conversationState) conversation.state = decision.conversationState;
    if (decision.pauseBot) {
      conversation.botPaused = true;
      conversation.pausedAt = FieldValue.serverTimestamp();
      // The vendor's to-do: who asked, what they said, and how to give the conversation back to the bot.
      tx.create(firestore().collection("vendors").doc(vendorId).collection("handoffs").doc(messageId), {
        customer,
        ...(inbound.customerName && { customerName: inbound.customerName }),
        text: inbound.text,
        conversation: convRef.path,
        requestedAt: FieldValue.serverTimestamp(),
        resumeWith: `set botPaused to false on ${convRef.path}, or send "REPRENDRE ${customer}" from the owner phone`,
      });
    }
    // mergeFields, not merge: the engine's state map is replaced whole, so a key it dropped is gone.
    tx.set(convRef, conversation, { mergeFields: Object.keys(conversation) });
    tx.update(inboundRef, {
      processing: {
        state: decision.state,
        replyIds,
        ...(notices.length > 0 && { notices }),
        ...(decision.reason && { reason: decision.reason }),
        decidedAt: FieldValue.serverTimestamp(),
      },
    });
    return {
      sends: [{ to: customer, ids: replyIds }, ...notices.map((notice) => ({ to: notice.to, ids: [notice.id] }))],
      alreadyDecided: false,
      wabaInstanceId,
    };
  }, { maxAttempts: 10 });
}

/** A message whose decision failed: marked failed with the reason, unless it got decided meanwhile. */
export async function markUndecided(vendorId: string, customer: string, messageId: string, reason: string): Promise<void> {
  const ref = messageRef(vendorId, customer, messageId);
  await firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.get("processing.state") !== "pending") return;
    tx.update(ref, { processing: { state: "failed", reason, replyIds: [], decidedAt: FieldValue.serverTimestamp() } });
  });
}

/** Earlier messages older than this are not waited for: they are stuck, not in flight. */
const IN_FLIGHT_MS = 2 * 60_000;

/**
 * Whether an earlier message of the same buyer still waits for its decision: messages are decided in
 * the order they arrived, each seeing the state the previous one left.
 */
export async function earlierPendingInbound(
  vendorId: string,
  customer: string,
  messageId: string,
  knownReceivedAt?: Timestamp,
): Promise<string | undefined> {
  const receivedAt = knownReceivedAt ?? ((await messageRef(vendorId, customer, messageId).get()).get("receivedAt") as Timestamp | undefined);
  if (!receivedAt) return undefined;
  const snap = await conversationRef(vendorId, customer)
    .collection("messages")
    .where("processing.state", "==", "pending")
    .where("receivedAt", "<", receivedAt)
    .where("receivedAt", ">=", Timestamp.fromMillis(receivedAt.toMillis() - IN_FLIGHT_MS))
    .orderBy("receivedAt")
    .limit(1)
    .get();
  return snap.docs[0]?.id;
}

export type SendClaim =
  | { claimed: true; message: OutboundDoc }
  | { claimed: false; status: OutboundDoc["status"]; reason: string };

/**
 * Takes a queued outbound message for sending. Only one run wins; a message already sending under a
 * live lease belongs to its sender, and one whose lease ran out is NOT resent: whether WhatsApp got it
 * is unknown, and a double reply is worse than a reply marked failed for an operator to look at.
 */
export async function claimForSending(ref: DocumentReference): Promise<SendClaim> {
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const message = outboundDocSchema.parse(snap.data());
    if (message.status === "queued") {
      tx.update(ref, {
        status: "sending",
        attempts: message.attempts + 1,
        leaseExpiresAt: Timestamp.fromMillis(Date.now() + SEND_LEASE_MS),
      });
      return { claimed: true, message };
    }
    if (message.status === "sending") {
      const lease = snap.get("leaseExpiresAt") as Timestamp | undefined;
      if (lease && lease.toMillis() > Date.now()) {
        return { claimed: false, status: message.status, reason: "another run is sending it" };
      }
      tx.update(ref, {
        status: "failed",
        error: { code: "outcome_unknown", message: "the sender stopped mid-send; not resent to avoid a double reply" },
        leaseExpiresAt: FieldValue.delete(),
      });
      return { claimed: false, status: "failed", reason: "lease expired mid-send" };
    }
    return { claimed: false, status: message.status, reason: `already ${message.status}` };
  });
}

/** A message paced to a later send slot: it keeps its lease until then, and says when it will go. */
export async function markScheduled(ref: DocumentReference, slotMs: number) {
  await ref.update({
    scheduledFor: Timestamp.fromMillis(slotMs),
    leaseExpiresAt: Timestamp.fromMillis(slotMs + SEND_LEASE_MS),
  });
}

export async function markSent(ref: DocumentReference, wasenderMsgId: number | string, providerStatus?: string) {
  await ref.update({
    status: "sent",
    wasenderMsgId,
    waitingReason: FieldValue.delete(),
    waitingSince: FieldValue.delete(),
    ...(providerStatus && { providerStatus }),
    sentAt: FieldValue.serverTimestamp(),
    leaseExpiresAt: FieldValue.delete(),
  });
}

/** A queued message whose number is disconnected: it stays queued and says why, for operators. */
export async function markWaiting(ref: DocumentReference, reason: string) {
  await firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.get("status") === "queued" && snap.get("waitingReason") !== reason) {
      tx.update(ref, { waitingReason: reason, waitingSince: FieldValue.serverTimestamp() });
    }
  });
}

export async function markFailed(ref: DocumentReference, error: SendFailure) {
  await ref.update({
    status: "failed",
    error,
    failedAt: FieldValue.serverTimestamp(),
    leaseExpiresAt: FieldValue.delete(),
  });
}

export type PrepareOutcome =
  | { prepared: true; wabaInstanceId: string }
  | { prepared: false; reason: string };

/**
 * Turns a message a dashboard wrote (`direction: "outbound"`, `text`) into a queued outbound message
 * of the conversation's customer, once (`attempts` marks a prepared message). `problems` (validation)
 * mark it failed instead.
 */
export async function prepareVendorOutbound(
  ref: DocumentReference,
  vendorId: string,
  customer: string,
  wabaInstanceId: string | undefined,
  problems: string[],
): Promise<PrepareOutcome> {
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.get("attempts") !== undefined) {
      // Already prepared (by the admin API, or by an earlier run): send it if it is still queued.
      return snap.get("status") === "queued"
        ? { prepared: true, wabaInstanceId: snap.get("wabaInstanceId") as string }
        : { prepared: false, reason: `already ${snap.get("status")}` };
    }
    if (problems.length > 0 || !wabaInstanceId) {
      const message = problems.length > 0 ? problems.join("; ") : "the vendor has no Wasender number to send from";
      tx.update(ref, {
        status: "failed",
        error: { code: "invalid", message, retryable: false },
        failedAt: FieldValue.serverTimestamp(),
      });
      return { prepared: false, reason: message };
    }
    tx.update(ref, {
      vendorId,
      wabaInstanceId,
      to: customer,
      origin: snap.get("origin") === "api" ? "api" : "console",
      status: "queued",
      attempts: 0,
      createdAt: snap.get("createdAt") ?? FieldValue.serverTimestamp(),
    });
    return { prepared: true, wabaInstanceId };
  });
}

/** Every message still queued for one number, grouped by conversation, oldest first. */
export async function queuedForInstance(wabaInstanceId: string): Promise<Map<string, { vendorId: string; ids: string[] }>> {
  const snap = await firestore()
    .collectionGroup("messages")
    .where("wabaInstanceId", "==", wabaInstanceId)
    .where("status", "==", "queued")
    .get();
  const docs = [...snap.docs].sort(
    (a, b) => ((a.get("createdAt") as Timestamp | undefined)?.toMillis() ?? 0) - ((b.get("createdAt") as Timestamp | undefined)?.toMillis() ?? 0) || a.id.localeCompare(b.id),
  );
  const groups = new Map<string, { vendorId: string; ids: string[] }>();
  for (const doc of docs) {
    const customer = doc.ref.parent.parent!.id;
    const vendorId = doc.ref.parent.parent!.parent.parent!.id;
    const key = `${vendorId}/${customer}`;
    const group = groups.get(key) ?? { vendorId, ids: [] };
    group.ids.push(doc.id);
    groups.set(key, group);
  }
  return groups;
}
