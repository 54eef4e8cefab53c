import { FieldValue, type DocumentSnapshot, type Timestamp, type Transaction } from "firebase-admin/firestore";
import type { ConversationState } from "../engine/chat-engine";
import { inboundDocSchema, type InboundDoc, type OutboundContent } from "../model/message";
import { INLINE_CLAIM, inlineSender, type InlineAttempt } from "../outbound/attempt";
import type { Dispatch } from "../outbound/dispatch";
import { Outbox } from "../outbound/outbox";
import { firestore, getBoth } from "../shared/firestore";
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
  /** The first reply, created claimed for its first attempt in process (no task hop). */
  inline?: InlineAttempt;
  /** Orders this decision reserved with our pay link, whose checkout is to be created now. */
  checkoutsToCreate?: string[];
  /** The earlier undecided message of the buyer this one parked behind: not decided here, it hands over. */
  parkedBehind?: string;
}

export interface DecideOptions {
  /** Whether the decision may claim its first reply for an attempt in process (`inlineSender`). */
  inline?: boolean;
  /**
   * Park behind an earlier undecided message of the buyer instead of deciding (the first message of a
   * run; one handed over is next by construction). `receivedAt`, when the trigger knows it, saves a read.
   */
  ordered?: { receivedAt?: Timestamp };
  /** Called once the message is known to be decided here, before the conversation is read: what the decision needs can load alongside. */
  deciding?: () => void;
}

/**
 * Runs `decide` on a pending inbound message and records its outcome exactly once: the replies (queued
 * on the conversation's outbox, each with its delivery state), the new conversation state, whatever
 * the decision buffered (an order, a stock change) and the message's processing state commit together,
 * so a trigger delivered twice decides once. `ordered`: a message with an earlier one of its buyer
 * still undecided parks behind it in the same transaction, undecided (`decide` is not called).
 */
export async function decideOnce(
  vendorId: string,
  customer: string,
  messageId: string,
  decide: (inbound: InboundDoc, conversation: ConversationView, tx: Transaction) => Promise<InboundDecision>,
  options: DecideOptions = {},
): Promise<DecideResult> {
  const inboundRef = messageRef(vendorId, customer, messageId);
  const convRef = conversationRef(vendorId, customer);
  // More attempts than the default 5: during a live rush buyers' decisions share a product's stock shards.
  return firestore().runTransaction(
    async (tx) => {
      let inboundSnap: DocumentSnapshot;
      let convSnap: DocumentSnapshot;
      if (options.ordered) {
        // The conversation only once this message is known not to park: a parked run reads the least.
        const { snap, earlier } = await readInboundInOrder(
          tx,
          vendorId,
          customer,
          messageId,
          options.ordered.receivedAt,
        );
        if (earlier && parkBehind(tx, inboundRef, earlier))
          return { alreadyDecided: false, dispatches: [], stockChanged: [], parkedBehind: earlier.id };
        options.deciding?.();
        [inboundSnap, convSnap] = [snap, await tx.get(convRef)];
      } else {
        options.deciding?.();
        [inboundSnap, convSnap] = await getBoth(tx, inboundRef, convRef);
      }
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
      const addsToOwn = decision.replies.length > 0 || (decision.notices ?? []).some((n) => n.to === customer);
      if (addsToOwn) await outbox.settle(tx);
      decision.apply?.(tx);
      const wantsInline = options.inline === true && decision.replies.length > 0;
      const sender = wantsInline ? await inlineSender(vendorId, wabaInstanceId, inbound.channel) : undefined;
      if (sender) outbox.claimHeadFor(INLINE_CLAIM.provider, INLINE_CLAIM.leaseMs);
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
      const { conversationFields, dispatches, claimed } = outbox.write(tx);
      let inline: InlineAttempt | undefined;
      if (claimed && sender && claimed.task.messageId === replyIds[0]) {
        const { task, delivery, created } = claimed;
        const content = decision.replies[0]!;
        const attempt = {
          kind: "claimed",
          delivery,
          instance: sender,
          channel: "wasender",
          to: customer,
          content,
        } as const;
        inline = { task, claimed: attempt, known: created, alone: !claimed.followed };
      } else if (claimed) dispatches.push(claimed.task);
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
          ...(next && { next }),
          decidedAt: FieldValue.serverTimestamp(),
        },
      });
      return {
        alreadyDecided: false,
        dispatches,
        stockChanged: decision.stockChanged ?? [],
        checkoutsToCreate: decision.checkoutsToCreate ?? [],
        ...(next && { next }),
        ...(inline && { inline }),
      };
    },
    { maxAttempts: 10 },
  );
}
