import { type DocumentReference, type DocumentSnapshot, FieldValue, type Transaction } from "firebase-admin/firestore";
import type { OutboundContent, OutboundDoc } from "../model/message";
import { firestore } from "../shared/firestore";
import { conversationRef, messageRef, outboundRef } from "../store/conversation-paths";
import { resolveInstance } from "../messaging/provider";
import { type Claimed, type ClaimOutcome, claimStep, type ResolveInstance } from "./claim";
import { outboxOf } from "./conversation-turn";
import { type Delivery, deliveryFields, newDelivery, statusOf, transition } from "./delivery-state";
import { sendIntervalMs } from "./send-line";
import type { AttemptScheduler, AttemptTask, Dispatch } from "./dispatch";
import { applyWrites, type Plan, type Reads, readsWith } from "./step";

/** Without a vendor setting, a message is retried for up to a day before it ends failed. */
export const DEFAULT_DEADLINE_MINUTES = 1440;

/**
 * The conversation field an earlier version of this code set on a reply it sent from the deciding run,
 * which could stay listed on the outbox after it was sent. A message queued behind such a head gets a
 * task at once: its claim reads the head and drops it once it has ended (`claimStep`). The field is
 * deleted by the next write of the outbox.
 */
const LEGACY_HEAD_MARK = "inProcessHead";

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

/** The head's first attempt, claimed in the producer's transaction: sent by the producer once it commits. */
export interface StartedAttempt {
  task: AttemptTask;
  claimed: Claimed;
}

/** What a write leaves to its caller: the conversation's fields, the tasks to enqueue, the attempt it claimed. */
export interface OutboxWrite {
  conversationFields: Record<string, unknown>;
  dispatches: Dispatch[];
  started?: StartedAttempt;
}

interface PlannedMessage {
  draft: OutboundDraft;
  ref: DocumentReference;
  delivery: Delivery;
  /** Its task: the head of an idle conversation has one; a message behind an earlier one waits for its turn. */
  task?: Dispatch;
}

/**
 * A conversation's outbound queue, read inside a producer's transaction. The conversation document's
 * `outbox` lists the messages not yet sent or failed, in the order they were decided; only its first
 * message has a send task, and each message hands over to the next when it ends. So replies leave in
 * order, and a message waiting for a retry holds back its own conversation only. A producer may start
 * the new head's first attempt itself (`claimHead`): the same claim its task would make, in the
 * producer's transaction, the head created already claimed.
 */
export class Outbox {
  private readonly drafts: OutboundDraft[] = [];
  private claim?: { plan: Plan<ClaimOutcome>; task: AttemptTask; claimed: Claimed };

  private constructor(
    readonly vendorId: string,
    readonly customer: string,
    private readonly conversation: DocumentSnapshot,
    private readonly deadlineMinutes: number,
  ) {}

  /** Reads the conversation (a transaction's read: call before any write). */
  static async open(
    tx: Transaction,
    vendorId: string,
    customer: string,
    deadlineMinutes = DEFAULT_DEADLINE_MINUTES,
  ): Promise<Outbox> {
    return Outbox.from(await tx.get(conversationRef(vendorId, customer)), vendorId, customer, deadlineMinutes);
  }

  /** From a conversation snapshot the transaction already read. */
  static from(
    conversation: DocumentSnapshot,
    vendorId: string,
    customer: string,
    deadlineMinutes = DEFAULT_DEADLINE_MINUTES,
  ): Outbox {
    return new Outbox(vendorId, customer, conversation, deadlineMinutes);
  }

  private get queue(): string[] {
    return outboxOf(this.conversation);
  }

  add(draft: OutboundDraft): this {
    this.drafts.push(draft);
    return this;
  }

  get size(): number {
    return this.drafts.length;
  }

  /** The messages as this write creates them (pure: the same for the same `now`). */
  private planned(now: number): PlannedMessage[] {
    const deadline = now + this.deadlineMinutes * 60_000;
    const { vendorId, customer } = this;
    const legacyHead = this.queue.length > 0 && this.conversation.get(LEGACY_HEAD_MARK) === this.queue[0];
    let previous = this.queue.at(-1);
    return this.drafts.map((draft, index) => {
      const ref = outboundRef(vendorId, customer, draft.messageId);
      let delivery = newDelivery(now, deadline);
      let task: Dispatch | undefined;
      if (previous) {
        const reason = "an earlier message of this conversation is not sent yet";
        delivery = transition(delivery, { type: "wait", reason, waitingFor: previous }, now);
        if (index === 0 && legacyHead)
          task = { vendorId, customer, messageId: draft.messageId, generation: delivery.generation };
      } else {
        task = { vendorId, customer, messageId: draft.messageId, generation: delivery.generation };
      }
      previous = draft.messageId;
      return { draft, ref, delivery, ...(task && { task }) };
    });
  }

  /**
   * Claims the first attempt of the message this write makes the head of an idle conversation, as its
   * task would (`claimStep`: its number, channel, turn on the send line), reading the new message and
   * the conversation as this transaction leaves them. `conversationFields`: what the caller writes on
   * the conversation besides the outbox (a decision's `lastInboundAt`); `resolve`: how the claim finds
   * the number (a unit test passes its own). Not for a paced number (its line hands the turn from task
   * to task). A transaction's reads: call
   * after every `add` and before any write. Returns whether the head was claimed; if not, it keeps its task.
   */
  async claimHead(
    reads: Reads,
    conversationFields: Record<string, unknown> = {},
    resolve: ResolveInstance = resolveInstance,
  ): Promise<boolean> {
    const now = Date.now();
    const head = this.queue.length === 0 ? this.planned(now)[0] : undefined;
    if (!head?.task) return false;
    // A paced number's turn passes from message to message on its send line, by their tasks: a
    // decision's transaction does not read the line (it would conflict with every turn of the number).
    const number = await resolve(this.vendorId, head.draft.wabaInstanceId, { requested: head.draft.channel });
    if (number.ok && sendIntervalMs(number.instance) !== undefined) return false;
    const ids = this.drafts.map((draft) => draft.messageId);
    const conversation = { ...this.conversation.data(), ...conversationFields, outbox: ids };
    const known = new Map<string, Record<string, unknown>>([
      [head.ref.path, outboundDocument(this.vendorId, this.customer, head.draft, head.delivery, now)],
      [this.conversation.ref.path, conversation],
    ]);
    const plan = await claimStep(readsWith(reads, known), head.task, resolve);
    if (plan.outcome.kind !== "claimed") return false;
    this.claim = { plan, task: head.task, claimed: plan.outcome };
    return true;
  }

  /**
   * Creates the queued messages (each with its delivery map) and returns the conversation fields to
   * merge (the caller writes the conversation once) and the task to enqueue after the commit: one,
   * for the new head of an idle conversation, unless its first attempt was claimed here (`started`).
   */
  write(tx: Transaction, now = Date.now()): OutboxWrite {
    if (this.drafts.length === 0) return { conversationFields: {}, dispatches: [] };
    const planned = this.planned(now);
    const documents = new Map<string, Record<string, unknown>>(
      planned.map(({ ref, draft, delivery }) => [
        ref.path,
        outboundDocument(this.vendorId, this.customer, draft, delivery, now),
      ]),
    );
    const claim = this.claim;
    // The claim's update of the head is merged into its create; its other writes (the number's line,
    // its circuit) are the transaction's.
    if (claim) applyWrites(tx, claim.plan.writes ?? [], documents);
    const dispatches: Dispatch[] = [];
    for (const { ref, draft, delivery, task } of planned) {
      const document = documents.get(ref.path)!;
      tx.create(ref, document);
      if (task && task.messageId !== claim?.task.messageId) dispatches.push(task);
      if (draft.fromDashboard) {
        // Its status as created (a claimed head is already sending).
        tx.update(messageRef(this.vendorId, this.customer, draft.messageId), {
          status: document.status ?? statusOf(delivery.state),
          to: this.customer,
          wabaInstanceId: draft.wabaInstanceId,
          origin: draft.origin,
          sentAs: ref.path,
        });
      }
    }
    const ids = this.drafts.map((draft) => draft.messageId);
    const conversationFields: Record<string, unknown> = { outbox: FieldValue.arrayUnion(...ids) };
    if (this.conversation.get(LEGACY_HEAD_MARK) !== undefined)
      conversationFields[LEGACY_HEAD_MARK] = FieldValue.delete();
    return {
      conversationFields,
      dispatches,
      ...(claim && { started: { task: claim.task, claimed: claim.claimed } }),
    };
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

/** What `queueOnce` did: queued the message, or found one of that id already (a retried request). */
export type Queued =
  { created: true; path: string } | { created: false; path: string; existing: Record<string, unknown> };

/**
 * The producer for messages outside a transaction of their own (a vendor's message from the admin API
 * or the console): queues the message on its conversation's outbox in one transaction, then enqueues
 * the head's task. Created once: a second call with the same id (a retried request) queues nothing and
 * gets the first one's fields back.
 */
export async function queueOnce(
  vendorId: string,
  customer: string,
  draft: OutboundDraft,
  scheduler: AttemptScheduler,
  deadlineMinutes = DEFAULT_DEADLINE_MINUTES,
): Promise<Queued> {
  const ref = outboundRef(vendorId, customer, draft.messageId);
  const { queued, dispatches } = await firestore().runTransaction(async (tx) => {
    const outbox = await Outbox.open(tx, vendorId, customer, deadlineMinutes);
    const existing = await tx.get(ref);
    if (existing.exists)
      return { queued: { created: false, path: ref.path, existing: existing.data() ?? {} } as const, dispatches: [] };
    return {
      queued: { created: true, path: ref.path } as const,
      dispatches: outbox.add(draft).writeWithConversation(tx),
    };
  });
  await scheduler.schedule(dispatches);
  return queued;
}
