import { FieldValue, type DocumentReference, type DocumentSnapshot, type Transaction } from "firebase-admin/firestore";
import type { OutboundContent, OutboundDoc } from "../model/message";
import { firestore } from "../shared/firestore";
import { conversationRef, messageRef, outboundRef } from "../store/conversation-paths";
import { newDelivery, statusOf, TERMINAL, transition, type Delivery } from "./delivery-state";
import { decodeDelivery, deliveryFields } from "./delivery-codec";
import type { AttemptScheduler, Dispatch } from "./dispatch";
import { sentHere } from "./sent-here";
import type { MessageView } from "./step";

/** Without a vendor setting, a message is retried for up to a day before it ends failed. */
export const DEFAULT_DEADLINE_MINUTES = 1440;

/**
 * The conversation field naming the head a producer created claimed for an attempt in process. Its
 * success is recorded without reading or writing the conversation (one read and one write less per
 * reply): it stays listed on the outbox, and the next producer finds it ended (reading it, unless this
 * instance sent it) and drops it.
 * A message queued behind it while it is being sent gets a task of its own, which waits for it to end
 * and then takes the turn (`claimStep`); a failed attempt takes the mark off and hands over as usual.
 */
export const IN_PROCESS_HEAD = "inProcessHead";

export interface OutboundDraft {
  messageId: string;
  wabaInstanceId: string;
  origin: OutboundDoc["origin"];
  inReplyTo?: string;
  /** "meta": leaves from the number's Cloud API number (a reply to a customer who wrote to it). */
  channel?: "meta" | "unipile";
  content: OutboundContent;
  /**
   * A dashboard wrote it into the conversation's messages: it is sent as the outbound message of the
   * same id, and its own document is marked queued now and gets its final status when it ends.
   */
  fromDashboard?: boolean;
}

/**
 * A conversation's outbound queue, read inside a producer's transaction. The conversation document's
 * `outbox` lists the messages not yet sent or failed, in the order they were decided; only its first
 * message has a send task, and each message hands over to the next when it ends. So replies leave in
 * order, and a message waiting for a retry holds back its own conversation only.
 */
/** The head message of an idle conversation, created already claimed for a first attempt in process. */
export interface ClaimedHead {
  task: Dispatch;
  delivery: Delivery;
  /** The message as created: its first attempt's completion need not read it again. */
  created: MessageView;
  /** Messages were queued behind it in the same write: its completion hands over to them. */
  followed: boolean;
}

/** What a write leaves to its caller: the conversation's fields, the tasks to enqueue, the head it claimed. */
export interface OutboxWrite {
  conversationFields: Record<string, unknown>;
  dispatches: Dispatch[];
  claimed?: ClaimedHead;
}

export class Outbox {
  private readonly drafts: OutboundDraft[] = [];
  private claimHead?: { provider: string; leaseMs: number };
  /** The in-process head alone on the outbox, not yet read: it may have ended (`settle`). */
  private unsettled?: string;
  /** The in-process head is still being sent: the first message queued behind it gets a task that waits for it. */
  private behindInProcess?: string;
  /** The outbox listed an ended in-process head, dropped here: the write sets the outbox whole. */
  private pruned = false;

  private constructor(
    readonly vendorId: string,
    readonly customer: string,
    private queue: string[],
    private readonly deadlineMinutes: number,
    inProcessHead: unknown,
  ) {
    if (queue.length === 1 && queue[0] === inProcessHead) this.unsettled = queue[0];
  }

  /** Reads the conversation, and its in-process head if it may have ended (a transaction's reads: call before any write). */
  static async open(
    tx: Transaction,
    vendorId: string,
    customer: string,
    deadlineMinutes = DEFAULT_DEADLINE_MINUTES,
  ): Promise<Outbox> {
    const outbox = Outbox.from(await tx.get(conversationRef(vendorId, customer)), vendorId, customer, deadlineMinutes);
    return outbox.settle(tx);
  }

  /** From a conversation snapshot the transaction already read; `settle` before adding to it. */
  static from(
    conversation: DocumentSnapshot,
    vendorId: string,
    customer: string,
    deadlineMinutes = DEFAULT_DEADLINE_MINUTES,
  ): Outbox {
    const queue: unknown = conversation.get("outbox");
    return new Outbox(
      vendorId,
      customer,
      Array.isArray(queue) ? queue.filter((id): id is string => typeof id === "string") : [],
      deadlineMinutes,
      conversation.get(IN_PROCESS_HEAD),
    );
  }

  /**
   * Reads the in-process head left alone on the outbox (one read, only then; none when this instance
   * sent it) and drops it if it has ended, so what is added next is the new head. A transaction's
   * read: call before any write.
   */
  async settle(tx: Pick<Transaction, "get">): Promise<this> {
    const head = this.unsettled;
    if (head === undefined) return this;
    this.unsettled = undefined;
    const ref = outboundRef(this.vendorId, this.customer, head);
    if (!sentHere(ref.path)) {
      const snap = await tx.get(ref);
      const delivery = snap.exists ? decodeDelivery(snap.get("delivery")) : undefined;
      if (delivery && !TERMINAL.has(delivery.state)) {
        this.behindInProcess = head;
        return this;
      }
    }
    this.queue = [];
    this.pruned = true;
    return this;
  }

  add(draft: OutboundDraft): this {
    this.drafts.push(draft);
    return this;
  }

  get size(): number {
    return this.drafts.length;
  }

  /**
   * The message this write makes the head of an idle conversation is created `sending`, claimed by
   * the caller for its first attempt (no task hop); its later attempts are tasks as usual.
   */
  claimHeadFor(provider: string, leaseMs: number): this {
    this.claimHead = { provider, leaseMs };
    return this;
  }

  /**
   * Creates the queued messages (each with its delivery map) and returns the conversation fields to
   * merge (the caller writes the conversation once) and the task to enqueue after the commit: one,
   * for the new head of an idle conversation.
   */
  write(tx: Transaction, now = Date.now()): OutboxWrite {
    if (this.drafts.length === 0) return { conversationFields: {}, dispatches: [] };
    if (this.unsettled !== undefined) throw new Error("Outbox.write: settle() the outbox before adding to it");
    let claimed: ClaimedHead | undefined;
    const deadline = now + this.deadlineMinutes * 60_000;
    const dispatches: Dispatch[] = [];
    let previous = this.queue.at(-1);
    for (const draft of this.drafts) {
      const ref = outboundRef(this.vendorId, this.customer, draft.messageId);
      let delivery = newDelivery(now, deadline);
      let task: Dispatch | undefined;
      if (previous) {
        const reason = "an earlier message of this conversation is not sent yet";
        delivery = transition(delivery, { type: "wait", reason, waitingFor: previous }, now);
        // Its completion does not look behind it: this task waits for it to end, then takes the turn.
        if (previous === this.behindInProcess) {
          const { vendorId, customer } = this;
          dispatches.push({ vendorId, customer, messageId: draft.messageId, generation: delivery.generation });
        }
      } else {
        const { vendorId, customer } = this;
        task = { vendorId, customer, messageId: draft.messageId, generation: delivery.generation };
        if (this.claimHead) delivery = transition(delivery, { type: "claim", ...this.claimHead }, now);
        else dispatches.push(task);
      }
      const document: Record<string, unknown> = outboundDocument(this.vendorId, this.customer, draft, delivery, now);
      tx.create(ref, document);
      if (task && this.claimHead) {
        const created = { ref, id: ref.id, get: (field: string) => document[field] };
        claimed = { task, delivery, created, followed: this.drafts.length > 1 };
      }
      if (draft.fromDashboard) {
        tx.update(messageRef(this.vendorId, this.customer, draft.messageId), {
          status: statusOf(delivery.state),
          to: this.customer,
          wabaInstanceId: draft.wabaInstanceId,
          origin: draft.origin,
          sentAs: ref.path,
        });
      }
      previous = draft.messageId;
    }
    const ids = this.drafts.map((draft) => draft.messageId);
    // Within the transaction that read the outbox, the whole list can be set (the ended head dropped).
    const conversationFields: Record<string, unknown> = {
      outbox: this.pruned ? [...this.queue, ...ids] : FieldValue.arrayUnion(...ids),
    };
    if (claimed) conversationFields[IN_PROCESS_HEAD] = claimed.task.messageId;
    else if (this.pruned) conversationFields[IN_PROCESS_HEAD] = FieldValue.delete();
    return { conversationFields, dispatches, ...(claimed && { claimed }) };
  }

  /** `write`, plus the conversation document, for producers that write nothing else on it. */
  writeWithConversation(tx: Transaction, now = Date.now()): Dispatch[] {
    const { conversationFields, dispatches } = this.write(tx, now);
    if (Object.keys(conversationFields).length > 0) {
      tx.set(
        conversationRef(this.vendorId, this.customer),
        { vendorId: this.vendorId, customer: this.customer, ...conversationFields },
        { merge: true },
      );
    }
    return dispatches;
  }
}

function outboundDocument(vendorId: string, to: string, draft: OutboundDraft, delivery: Delivery, now: number) {
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
    ...(draft.fromDashboard && { fromDashboard: true }),
    createdAt: FieldValue.serverTimestamp(),
    ...(delivery.attempts > 0 && { attempts: delivery.attempts }),
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
  return drafts.map((draft) => outboundRef(vendorId, customer, draft.messageId));
}
