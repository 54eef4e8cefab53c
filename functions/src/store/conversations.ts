import { createHash } from "node:crypto";
import { FieldValue, Timestamp, type DocumentReference, type QueryDocumentSnapshot } from "firebase-admin/firestore";
import { firestore, isFailedPrecondition } from "../shared/firestore";
import type { InboundDoc, InboundMessage } from "../model/message";
import { conversationOf, conversationRef, messageRef, OUTBOUND, outboundRef } from "./conversation-paths";

export { conversationRef, messageRef, outboundRef };

const ALREADY_EXISTS = 6;

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
  if (message.channel) doc.channel = message.channel;
  if (message.sentAt) doc.sentAt = Timestamp.fromDate(message.sentAt);
  try {
    await messageRef(vendorId, message.from, inboundMessageId(message.waMessageId)).create(doc);
    return "stored";
  } catch (error) {
    if ((error as { code?: unknown }).code === ALREADY_EXISTS) return "duplicate";
    throw error;
  }
}

/** The later message parked behind this one (`processing.next`), if any. */
export function nextOf(processing: unknown): string | undefined {
  const next = (processing as { next?: unknown } | undefined)?.next;
  return typeof next === "string" ? next : undefined;
}

/**
 * A message whose decision failed: marked failed with the reason (and how many tries), unless it got
 * decided meanwhile. Returns the message parked behind it, which must not wait any longer.
 */
export async function markUndecided(
  vendorId: string,
  customer: string,
  messageId: string,
  reason: string,
  attempts: number,
): Promise<string | undefined> {
  const ref = messageRef(vendorId, customer, messageId);
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const next = nextOf(snap.get("processing"));
    if (snap.get("processing.state") !== "pending") return next;
    tx.update(ref, {
      processing: {
        state: "failed",
        reason,
        attempts,
        replyIds: [],
        ...(next && { next }),
        decidedAt: FieldValue.serverTimestamp(),
      },
    });
    return next;
  });
}

/** Earlier messages older than this are not waited for: they are stuck (the sweep re-drives them), not in flight. */
const IN_FLIGHT_MS = 2 * 60_000;

/** Pending messages of one buyer received in flight up to `receivedAt` (included), latest first. */
function pendingUpTo(vendorId: string, customer: string, receivedAt: Timestamp) {
  return conversationRef(vendorId, customer)
    .collection("messages")
    .where("processing.state", "==", "pending")
    .where("receivedAt", "<=", receivedAt)
    .where("receivedAt", ">=", Timestamp.fromMillis(receivedAt.toMillis() - IN_FLIGHT_MS))
    .orderBy("receivedAt", "desc");
}

/**
 * Where a message stands among its buyer's undecided messages, read outside any transaction: the
 * message as it was read (`self`, when still undecided) and the latest earlier message of the same
 * buyer still waiting for its decision (`earlier`, if any). Whoever acts on it writes on condition that
 * these documents are unchanged since (`lastUpdateTime`), so a stale read fails the write instead of
 * deciding twice or parking behind a message decided meanwhile.
 */
export interface InboundInOrder {
  self?: QueryDocumentSnapshot;
  earlier?: QueryDocumentSnapshot;
}

/**
 * One query returns both (billed per document: one read when nothing waits). It runs outside the
 * decision's transaction, which then holds no lock on the buyer's other messages: a burst's decisions
 * and parks conflict only where they write the same message. Without `receivedAt` (the trigger's event
 * carries it) the message is read first. Nothing found for itself: decided already (a redelivered
 * trigger), or crowded out by a same-instant one; the transaction reads it.
 */
export async function readInboundInOrder(
  vendorId: string,
  customer: string,
  messageId: string,
  knownReceivedAt?: Timestamp,
): Promise<InboundInOrder> {
  let receivedAt = knownReceivedAt;
  if (!receivedAt) {
    const snap = await messageRef(vendorId, customer, messageId).get();
    if (snap.get("processing.state") !== "pending") return {};
    receivedAt = snap.get("receivedAt") as Timestamp | undefined;
    if (!receivedAt) return {};
  }
  // Itself and the one before it. (Server timestamps have microseconds: two of a buyer's messages
  // stored at the same instant, one crowding the other out, are not worth a third read.)
  const at: Timestamp = receivedAt;
  const found = (await pendingUpTo(vendorId, customer, at).limit(2).get()).docs;
  const self = found.find((doc) => doc.id === messageId);
  if (!self) return {};
  // Compared to the microsecond, as the query orders them: two messages stored one after the other
  // within a millisecond are still one before the other.
  const earlier = found.find((doc) => doc.id !== messageId && isBefore(doc.get("receivedAt") as Timestamp, at));
  return { self, ...(earlier && { earlier }) };
}

function isBefore(a: Timestamp, b: Timestamp): boolean {
  return a.seconds < b.seconds || (a.seconds === b.seconds && a.nanoseconds < b.nanoseconds);
}

/**
 * Leaves a message for an earlier, still undecided one to hand over to once it commits (no polling):
 * the earlier message records it as `processing.next`, on condition that it is unchanged since it was
 * read (still undecided, handing over to no one else). "ahead" when the earlier one already hands over
 * to another message: then this one goes ahead now; "stale" when the earlier one changed since it was
 * read: read again.
 */
export async function parkBehind(
  message: DocumentReference,
  earlier: QueryDocumentSnapshot,
): Promise<"parked" | "ahead" | "stale"> {
  const existing = nextOf(earlier.get("processing"));
  if (existing === message.id) return "parked";
  if (existing) return "ahead";
  try {
    await earlier.ref.update({ "processing.next": message.id }, { lastUpdateTime: earlier.updateTime });
    return "parked";
  } catch (error) {
    if (isFailedPrecondition(error)) return "stale";
    throw error;
  }
}

/** Inbound messages still undecided long after they arrived: their trigger died. Oldest first. */
export async function stuckInbound(
  olderThan: Date,
  limit: number,
): Promise<{ vendorId: string; customer: string; messageId: string }[]> {
  const snap = await firestore()
    .collectionGroup("messages")
    .where("processing.state", "==", "pending")
    .where("receivedAt", "<", Timestamp.fromDate(olderThan))
    .orderBy("receivedAt")
    .limit(limit)
    .get();
  return snap.docs.map((doc) => ({ ...conversationOf(doc.ref), messageId: doc.id }));
}

/** The vendor's conversations waiting for a person (`botPaused`), newest request first. */
export async function pausedConversations(
  vendorId: string,
  limit: number,
): Promise<Array<{ customer: string; data: Record<string, unknown> }>> {
  const snap = await firestore()
    .collection("vendors")
    .doc(vendorId)
    .collection("conversations")
    .where("botPaused", "==", true)
    .limit(limit)
    .get();
  return snap.docs.map((doc) => ({ customer: doc.id, data: doc.data() }));
}

/**
 * A conversation's latest `limit` messages as stored, oldest first (inbound by `receivedAt`, outbound by
 * `createdAt`). Polled every few seconds while a thread is open, so it reads only what it may show: the
 * latest `limit` of each kind, newest first. Inbound messages are the `messages` with a `receivedAt`;
 * everything the backend sends is in `outbound`; a message written into `messages` by the console or a
 * dashboard has a `createdAt` and, once queued, its delivery under `outbound/{same id}`, which is shown.
 */
export async function conversationThread(
  vendorId: string,
  customer: string,
  limit: number,
): Promise<Array<{ id: string; data: Record<string, unknown> }>> {
  const conversation = conversationRef(vendorId, customer);
  const [received, written, sent] = await Promise.all([
    conversation.collection("messages").orderBy("receivedAt", "desc").limit(limit).get(),
    conversation.collection("messages").orderBy("createdAt", "desc").limit(limit).get(),
    conversation.collection(OUTBOUND).orderBy("createdAt", "desc").limit(limit).get(),
  ]);
  const byId = new Map<string, Record<string, unknown>>();
  for (const doc of [...received.docs, ...written.docs, ...sent.docs])
    byId.set(doc.id, { ...byId.get(doc.id), ...doc.data() });
  const at = (data: Record<string, unknown>) => {
    const value = data.receivedAt ?? data.createdAt;
    return value instanceof Timestamp ? value.toMillis() : 0;
  };
  return [...byId]
    .map(([id, data]) => ({ id, data }))
    .sort((a, b) => at(a.data) - at(b.data))
    .slice(-limit);
}

/** Gives a conversation back to the bot, as setting `botPaused` to false in the console does. */
export async function resumeConversation(vendorId: string, customer: string, by: string): Promise<boolean> {
  const ref = conversationRef(vendorId, customer);
  return firestore().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return false;
    tx.update(ref, { botPaused: false, resumedAt: FieldValue.serverTimestamp(), resumedBy: by });
    return true;
  });
}

export type RedriveResult =
  | { ok: true; messageId: string; path: string }
  | { ok: false; reason: "not_failed" }
  | { ok: false; reason: "already_redriven"; as: string };

/**
 * "Send again" of a failed outbound message, once: in one transaction the original is checked (failed,
 * outbound, not sent again yet), the new message `redrive_{id}` created and the original marked
 * `redrivenAs`. A double tap or a retried request finds it marked and sends nothing more.
 */
export async function redriveFailedMessage(
  vendorId: string,
  customer: string,
  messageId: string,
  collection: MessageCollection,
  writtenBy: string,
): Promise<RedriveResult> {
  const original = refIn(collection, vendorId, customer, messageId);
  const newId = `redrive_${messageId}`;
  const copy = messageRef(vendorId, customer, newId);
  return firestore().runTransaction(async (tx): Promise<RedriveResult> => {
    const [snap, existing] = await tx.getAll(original, copy);
    const data = snap!.data();
    if (!data || data.direction !== "outbound" || data.status !== "failed") return { ok: false, reason: "not_failed" };
    if (typeof data.redrivenAs === "string") return { ok: false, reason: "already_redriven", as: data.redrivenAs };
    if (existing!.exists) return { ok: false, reason: "already_redriven", as: newId };
    const content = Object.fromEntries(
      ["text", "imageUrl", "documentUrl"]
        .filter((name) => typeof data[name] === "string")
        .map((name) => [name, data[name]]),
    );
    tx.create(copy, {
      direction: "outbound",
      origin: "console",
      ...content,
      writtenBy,
      redriveOf: messageId,
      createdAt: FieldValue.serverTimestamp(),
    });
    tx.update(original, { redrivenAs: newId, redrivenAt: FieldValue.serverTimestamp() });
    return { ok: true, messageId: newId, path: copy.path };
  });
}

/** Where a conversation's message lives: `messages` (inbound, dashboard) or `outbound` (what the backend sends). */
export type MessageCollection = "messages" | typeof OUTBOUND;

function refIn(
  collection: MessageCollection,
  vendorId: string,
  customer: string,
  messageId: string,
): DocumentReference {
  return collection === OUTBOUND
    ? outboundRef(vendorId, customer, messageId)
    : messageRef(vendorId, customer, messageId);
}

/** One of the vendor's messages by id, or undefined. */
export async function readMessageDoc(
  vendorId: string,
  customer: string,
  messageId: string,
  collection: MessageCollection = "messages",
): Promise<Record<string, unknown> | undefined> {
  return (await refIn(collection, vendorId, customer, messageId).get()).data();
}

/** How many of the vendor's buyers wait for a person (the bot paused for them): one count query. */
export async function countPausedConversations(vendorId: string): Promise<number> {
  const snap = await firestore()
    .collection("vendors")
    .doc(vendorId)
    .collection("conversations")
    .where("botPaused", "==", true)
    .count()
    .get();
  return snap.data().count;
}

/** How many buyers asked for a product (named its keyword) since `since`: one count query. */
export async function countProductAskers(vendorId: string, since: Date): Promise<number> {
  const snap = await firestore()
    .collection("vendors")
    .doc(vendorId)
    .collection("conversations")
    .where("productAskedAt", ">=", Timestamp.fromDate(since))
    .count()
    .get();
  return snap.data().count;
}
