import {
  FieldValue,
  Timestamp,
  type DocumentSnapshot,
  type QueryDocumentSnapshot,
  type Transaction,
} from "firebase-admin/firestore";
import type { ConversationState } from "../engine/chat-engine";
import { inboundDocSchema, type InboundDoc, type OutboundContent } from "../model/message";
import type { Dispatch } from "../outbound/dispatch";
import { Outbox, type StartedAttempt } from "../outbound/outbox";
import { firestore, getBoth, isFailedPrecondition } from "../shared/firestore";
import {
  conversationRef,
  messageRef,
  nextOf,
  parkBehind,
  readInboundInOrder,
  replyMessageId,
} from "../store/conversations";

export interface InboundDecision {
  state: "done" | "skipped" | "failed";
  reason?: string;
  replies: OutboundContent[];
  conversationState?: ConversationState;
  /** Messages to someone else than the buyer: the vendor's owner phone on a handoff. */
  notices?: { to: string; content: OutboundContent }[];
  /** A person takes over: the bot stays silent in this conversation until it is resumed. */
  pauseBot?: boolean;
  /** The buyer named a product: `productAskedAt` is stamped on the conversation (the live funnel's first step). */
  productAsked?: boolean;
  /** Writes the decision's own operations buffered (orders, stock); called after every read. */
  apply?: (tx: Transaction) => void;
  /** Products whose stock the decision changed: their `stock` view is refreshed after the commit. */
  stockChanged?: string[];
  /** Orders reserved with our pay link: their checkout is created after the commit. */
  checkoutsToCreate?: string[];
  /** How long its replies may take to be delivered (the vendor's setting); the outbox's default when unknown. */
  deadlineMinutes?: number;
}

/** What a decision knows of its conversation besides the engine's state. */
export interface ConversationView {
  state: ConversationState;
  /** Set by a handoff; an operator (or the vendor's REPRENDRE command) sets it back to false. */
  botPaused: boolean;
}

export interface DecideResult {
  alreadyDecided: boolean;
  /** Send tasks to enqueue now that the replies are committed. */
  dispatches: Dispatch[];
  /** A later message of the same buyer that parked itself behind this one: decide it next. */
  next?: string;
  /** Products whose stock the committed decision changed. */
  stockChanged: string[];
  /** The first reply's first attempt, claimed in the decision's transaction: this run sends it. */
  started?: StartedAttempt;
  /** Orders this decision reserved with our pay link, whose checkout is to be created now. */
  checkoutsToCreate?: string[];
  /** The earlier undecided message of the buyer this one parked behind: not decided here, it hands over. */
  parkedBehind?: string;
}

export interface DecideOptions {
  /** Whether the decision claims its first reply's first attempt, for this run to send (`Outbox.claimHead`). */
  attemptHere?: boolean;
  /**
   * Park behind an earlier undecided message of the buyer instead of deciding (the first message of a
   * run; one handed over is next by construction). `receivedAt`, when the trigger knows it, saves a read.
   */
  ordered?: { receivedAt?: Timestamp };
  /** Called once the message is known to be decided here, before the conversation is read: what the decision needs can load alongside. */
  deciding?: () => void;
}

/** How often a decision reads again after a write found what it read changed since (its message, the earlier one, a stock shard). */
const STALE_READS_MAX = 10;

/**
 * Runs `decide` on a pending inbound message and records its outcome exactly once: the replies (queued
 * on the conversation's outbox, each with its delivery state), the new conversation state, whatever
 * the decision buffered (an order, a stock change) and the message's processing state commit together,
 * so a trigger delivered twice decides once. `ordered`: a message with an earlier one of its buyer
 * still undecided parks behind it instead, undecided (`decide` is not called). The ordering query runs
 * before the transaction; the writes that rely on it hold only if what it read is unchanged, and a
 * change (a message parked behind this one, the earlier one decided) makes the decision read again.
 */
export async function decideOnce(
  vendorId: string,
  customer: string,
  messageId: string,
  decide: (inbound: InboundDoc, conversation: ConversationView, tx: Transaction) => Promise<InboundDecision>,
  options: DecideOptions = {},
): Promise<DecideResult> {
  for (let reads = 1; ; reads++) {
    try {
      return await decideFromReads(vendorId, customer, messageId, decide, options);
    } catch (error) {
      if (!(error instanceof StaleRead) || reads >= STALE_READS_MAX) throw error;
    }
  }
}

/**
 * A write refused because a document read outside the transaction changed since (a message the ordering
 * query read, a stock shard another buyer drew from): the decision reads again.
 */
class StaleRead extends Error {}

async function decideFromReads(
  vendorId: string,
  customer: string,
  messageId: string,
  decide: (inbound: InboundDoc, conversation: ConversationView, tx: Transaction) => Promise<InboundDecision>,
  options: DecideOptions,
): Promise<DecideResult> {
  const inboundRef = messageRef(vendorId, customer, messageId);
  const convRef = conversationRef(vendorId, customer);
  let known: QueryDocumentSnapshot | undefined;
  if (options.ordered) {
    // A parked run reads nothing else: not the conversation, not the vendor's settings.
    const { self, earlier } = await readInboundInOrder(vendorId, customer, messageId, options.ordered.receivedAt);
    const parked = self && earlier ? await parkBehind(inboundRef, earlier) : "ahead";
    if (parked === "stale") throw new StaleRead();
    if (parked === "parked")
      return { alreadyDecided: false, dispatches: [], stockChanged: [], parkedBehind: earlier!.id };
    known = self;
  }
  options.deciding?.();
  let runs = 0;
  // Set once a run's reads and writes are done: a refusal after it is the commit's.
  let committing = false;
  // More attempts than the default 5: during a live rush buyers' decisions share a product's stock shards.
  const decided = firestore().runTransaction(
    async (tx) => {
      committing = false;
      // The first run works from the message as the ordering query read it (its update checked at
      // commit); a run again after a conflict reads it here, as it stands now (decided, perhaps).
      const fromQuery = runs++ === 0 ? known : undefined;
      const [inboundSnap, convSnap]: [DocumentSnapshot, DocumentSnapshot] = fromQuery
        ? [fromQuery, await tx.get(convRef)]
        : await getBoth(tx, inboundRef, convRef);
      const inbound = inboundDocSchema.parse(inboundSnap.data());
      const next = nextOf(inboundSnap.get("processing"));
      if (inbound.processing.state !== "pending")
        return { alreadyDecided: true, dispatches: [], stockChanged: [], ...(next && { next }) };
      const conversationView: ConversationView = {
        state: (convSnap.get("state") as ConversationState | undefined) ?? {},
        botPaused: convSnap.get("botPaused") === true,
      };
      const decision = await decide(inbound, conversationView, tx);
      // Unknown (no usable vendor config): the outbox's own default.
      const deadlineMinutes = decision.deadlineMinutes;
      const wabaInstanceId = inbound.wabaInstanceId;
      // Every read before the first write: the other recipients' outboxes, then the buffered writes.
      const noticeOutboxes = new Map<string, Outbox>();
      for (const notice of decision.notices ?? []) {
        if (notice.to !== customer && !noticeOutboxes.has(notice.to))
          noticeOutboxes.set(notice.to, await Outbox.open(tx, vendorId, notice.to, deadlineMinutes));
      }
      const outbox = Outbox.from(convSnap, vendorId, customer, deadlineMinutes);
      const replyIds = decision.replies.map((_, index) => replyMessageId(messageId, index));
      decision.replies.forEach((content, index) => {
        // A reply leaves from the number the customer wrote to: the Cloud API number when they wrote there.
        outbox.add({
          messageId: replyIds[index]!,
          wabaInstanceId,
          origin: "engine",
          inReplyTo: messageId,
          ...(inbound.channel && { channel: inbound.channel }),
          content,
        });
      });
      const notices = (decision.notices ?? []).map((notice, index) => ({
        to: notice.to,
        id: `${replyMessageId(messageId, index)}_notice`,
      }));
      (decision.notices ?? []).forEach((notice, index) => {
        const target = noticeOutboxes.get(notice.to) ?? outbox;
        target.add({ messageId: notices[index]!.id, wabaInstanceId, origin: "engine", content: notice.content });
      });
      // The first reply's first attempt is claimed here, as its task would claim it, from the
      // conversation as this decision leaves it (the customer just wrote); still a read, before any write.
      if (options.attemptHere === true && decision.replies.length > 0)
        await outbox.claimHead(tx, { lastInboundAt: Timestamp.now() });
      decision.apply?.(tx);
      const { conversationFields, dispatches, started } = outbox.write(tx);
      for (const other of noticeOutboxes.values()) dispatches.push(...other.writeWithConversation(tx));
      const conversation: Record<string, unknown> = {
        vendorId,
        customer,
        lastInboundAt: FieldValue.serverTimestamp(),
        lastInboundText: inbound.text,
        ...conversationFields,
      };
      if (inbound.customerName) conversation.customerName = inbound.customerName;
      if (decision.conversationState) conversation.state = decision.conversationState;
      if (decision.productAsked) conversation.productAskedAt = FieldValue.serverTimestamp();
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
      const processing = {
        processing: {
          state: decision.state,
          replyIds,
          ...(notices.length > 0 && { notices }),
          ...(decision.reason && { reason: decision.reason }),
          ...(next && { next }),
          decidedAt: FieldValue.serverTimestamp(),
        },
      };
      if (fromQuery) tx.update(inboundRef, processing, { lastUpdateTime: fromQuery.updateTime });
      else tx.update(inboundRef, processing);
      committing = true;
      return {
        alreadyDecided: false,
        dispatches,
        stockChanged: decision.stockChanged ?? [],
        checkoutsToCreate: decision.checkoutsToCreate ?? [],
        ...(next && { next }),
        ...(started && { started }),
      };
    },
    { maxAttempts: 10 },
  );
  return decided.catch((error: unknown) => {
    // The commit's condition only: a query's FAILED_PRECONDITION (a missing index) is no stale read.
    if (committing && isFailedPrecondition(error)) throw new StaleRead();
    throw error;
  });
}
