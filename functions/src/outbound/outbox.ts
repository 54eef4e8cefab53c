import { FieldValue, type DocumentReference, type DocumentSnapshot, type Transaction } from "firebase-admin/firestore";
import type { OutboundContent, OutboundDoc } from "../model/message";
import { firestore } from "../shared/firestore";
import { conversationRef, messageRef } from "../store/conversation-paths";
import { newDelivery, transition } from "./delivery-state";
import { deliveryFields } from "./delivery-codec";
import type { AttemptScheduler, Dispatch } from "./dispatch";

/** Without a vendor setting, a message is retried for up to a day before it ends failed. */
export const DEFAULT_DEADLINE_MINUTES = 1440;

export interface OutboundDraft {
  messageId: string;
  wabaInstanceId: string;
  origin: OutboundDoc["origin"];
  inReplyTo?: string;
  /** "meta": leaves from the number's Cloud API number (a reply to a customer who wrote to it). */
  channel?: "meta" | "unipile";
  content: OutboundContent;
  /** The document exists already (a dashboard wrote it): completed in place rather than created. */
  existing?: boolean;
}

/**
 * A conversation's outbound queue, read inside a producer's transaction. The conversation document's
 * `outbox` lists the messages not yet sent or failed, in the order they were decided; only its first
 * message has a send task, and each message hands over to the next when it ends. So replies leave in
 * order, and a message waiting for a retry holds back its own conversation only.
 */
export class Outbox {
  private readonly drafts: OutboundDraft[] = [];

  private constructor(
    readonly vendorId: string,
    readonly customer: string,
    private readonly queue: string[],
    private readonly deadlineMinutes: number,
  ) {}

  /** Reads the conversation (a transaction's read: call before any write). */
  static async open(tx: Transaction, vendorId: string, customer: string, deadlineMinutes = DEFAULT_DEADLINE_MINUTES): Promise<Outbox> {
    return Outbox.from(await tx.get(conversationRef(vendorId, customer)), vendorId, customer, deadlineMinutes);
  }

  /** From a conversation snapshot the transaction already read. */
  static from(conversation: DocumentSnapshot, vendorId: string, customer: string, deadlineMinutes = DEFAULT_DEADLINE_MINUTES): Outbox {
    const queue: unknown = conversation.get("outbox");
    return new Outbox(vendorId, customer, Array.isArray(queue) ? queue.filter((id): id is string => typeof id === "string") : [], deadlineMinutes);
  }

  add(draft: OutboundDraft): this {
    this.drafts.push(draft);
    return this;
  }

  get size(): number {
    return this.drafts.length;
  }

  /**
   * Creates the queued messages (each with its delivery map) and returns the conversation fields to
   * merge (the caller writes the conversation once) and the task to enqueue after the commit: one,
   * for the new head of an idle conversation.
   */
  write(tx: Transaction, now = Date.now()): { conversationFields: Record<string, unknown>; dispatches: Dispatch[] } {
    if (this.drafts.length === 0) return { conversationFields: {}, dispatches: [] };
    const deadline = now + this.deadlineMinutes * 60_000;
    const dispatches: Dispatch[] = [];
    let previous = this.queue.at(-1);
    for (const draft of this.drafts) {
      let delivery = newDelivery(now, deadline);
      if (previous) delivery = transition(delivery, { type: "wait", reason: "an earlier message of this conversation is not sent yet", waitingFor: previous }, now);
      else dispatches.push({ vendorId: this.vendorId, customer: this.customer, messageId: draft.messageId, generation: delivery.generation });
      const ref = messageRef(this.vendorId, this.customer, draft.messageId);
      const document = outboundDocument(this.vendorId, this.customer, draft, delivery, now);
      if (draft.existing) {
        const { createdAt: _createdAt, ...completion } = document;
        tx.update(ref, completion);
      } else {
        tx.create(ref, document);
      }
      previous = draft.messageId;
    }
    return { conversationFields: { outbox: FieldValue.arrayUnion(...this.drafts.map((draft) => draft.messageId)) }, dispatches };
  }

  /** `write`, plus the conversation document, for producers that write nothing else on it. */
  writeWithConversation(tx: Transaction, now = Date.now()): Dispatch[] {
    const { conversationFields, dispatches } = this.write(tx, now);
    if (Object.keys(conversationFields).length > 0) {
      tx.set(conversationRef(this.vendorId, this.customer), { vendorId: this.vendorId, customer: this.customer, ...conversationFields }, { merge: true });
    }
    return dispatches;
  }
}

function outboundDocument(vendorId: string, to: string, draft: OutboundDraft, delivery: ReturnType<typeof newDelivery>, now: number) {
  return {
    direction: "outbound",
    vendorId,
    wabaInstanceId: draft.wabaInstanceId,
    to,
    origin: draft.origin,
    text: draft.content.text,
    ...(draft.content.imageUrl && { imageUrl: draft.content.imageUrl }),
    ...(draft.content.documentUrl && { documentUrl: draft.content.documentUrl }),
    ...(draft.inReplyTo && { inReplyTo: draft.inReplyTo }),
    ...(draft.channel && { channel: draft.channel }),
    createdAt: FieldValue.serverTimestamp(),
    ...deliveryFields(delivery, now),
  };
}

/**
 * The queue function for producers outside a transaction of their own (the admin API): queues the
 * messages in one transaction on the conversation, then enqueues the head's task.
 */
export async function queueOutbound(
  vendorId: string,
  customer: string,
  drafts: OutboundDraft[],
  scheduler: AttemptScheduler,
  deadlineMinutes = DEFAULT_DEADLINE_MINUTES,
): Promise<DocumentReference[]> {
  const dispatches = await firestore().runTransaction(async (tx) => {
    const outbox = await Outbox.open(tx, vendorId, customer, deadlineMinutes);
    for (const draft of drafts) outbox.add(draft);
    return outbox.writeWithConversation(tx);
  });
  await scheduler.schedule(dispatches);
  return drafts.map((draft) => messageRef(vendorId, customer, draft.messageId));
}
