import { setTimeout as sleep } from "node:timers/promises";
import { Timestamp, type Transaction } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import type { ChatEngine, EngineVendor } from "../engine/chat-engine";
import { textBook } from "../engine/texts";
import type { InboundDoc } from "../model/message";
import { describeIssues } from "../model/common";
import { paymentLinkTemplateSchema, type VendorConfig } from "../model/vendor-config";
import type { InboundLimiter, LimitVerdict } from "../shared/inbound-limiter";
import { decideOnce, earlierPendingInbound, markUndecided, type ConversationView, type InboundDecision } from "../store/conversations";
import { FirestoreShop } from "../store/shop-firestore";
import { readVendorConfigCached, type VendorConfigRead } from "../store/vendor-configs";
import { sendOutboundInOrder, type SendDeps } from "./send-outbound";

export interface ReplyDeps extends SendDeps {
  engine: ChatEngine;
  limiter: InboundLimiter;
  /** The platform's pay page, for vendors without their own `paymentLinkTemplate`. */
  platformPaymentLink: () => string;
}

/** A decision that cannot be made for a reason worth telling operators (on the message). */
class DecisionError extends Error {}

/** How long a message waits for an earlier one of the same buyer to be decided before going ahead. */
const ORDER_WAIT_MS = 60_000;
const ORDER_POLL_MS = 150;

export function engineVendor(vendorId: string, config: VendorConfig, platformPaymentLink: string): EngineVendor {
  if (!config.paymentLinkTemplate) {
    const platform = paymentLinkTemplateSchema.safeParse(platformPaymentLink);
    if (!platform.success) throw new DecisionError(`the PLATFORM_PAYMENT_LINK param is not a usable payment link: ${describeIssues(platform.error).join("; ")}`);
  }
  const { businessName, welcomeMessage, language, templates, liveMode, openingHours, awayMessage, ownerPhone } = config;
  return {
    vendorId,
    language,
    liveMode,
    reservationDurationMinutes: config.reservationDurationMinutes,
    paymentLinkTemplate: config.paymentLinkTemplate ?? platformPaymentLink,
    ...(businessName && { businessName }),
    ...(welcomeMessage && { welcomeMessage }),
    ...(templates && { templates }),
    ...(openingHours && { openingHours }),
    ...(awayMessage && { awayMessage }),
    ...(ownerPhone && { ownerPhone }),
  };
}

async function decide(
  vendorId: string,
  config: VendorConfigRead,
  inbound: InboundDoc,
  conversation: ConversationView,
  tx: Transaction,
  deps: ReplyDeps,
  verdict: LimitVerdict,
): Promise<InboundDecision> {
  if (!config.found) return { state: "failed", reason: `vendor_configs/${vendorId} does not exist`, replies: [] };
  if (!config.valid) {
    return { state: "failed", reason: `vendor_configs/${vendorId} is invalid: ${config.problems.join("; ")}`, replies: [] };
  }
  if (!config.config.autoReplyEnabled) return { state: "skipped", reason: "autoReplyEnabled is false", replies: [] };
  // The owner phone is never paused: its REPRENDRE must always get through.
  if (conversation.botPaused && inbound.from !== config.config.ownerPhone) {
    return { state: "skipped", reason: "handed off to a person (botPaused)", replies: [] };
  }
  if (!verdict.allowed) {
    return {
      state: "skipped",
      reason: `rate limited: over ${verdict.limit} messages a minute ${verdict.scope === "customer" ? "from this customer" : "for this vendor"}`,
      replies: verdict.notify ? [{ text: textBook(config.config.language, config.config.templates)("slowDown") }] : [],
    };
  }
  const now = new Date();
  const shop = new FirestoreShop(tx, vendorId, inbound.wabaInstanceId, now);
  const output = await deps.engine.handle({
    vendor: engineVendor(vendorId, config.config, deps.platformPaymentLink()),
    state: conversation.state,
    message: { from: inbound.from, text: inbound.text, ...(inbound.customerName && { customerName: inbound.customerName }) },
    now,
    shop,
  });
  const notice = output.handoff?.ownerNotice;
  return {
    state: output.replies.length === 0 && output.silentReason ? "skipped" : "done",
    ...(output.silentReason && { reason: output.silentReason }),
    replies: output.replies,
    conversationState: output.state,
    ...(output.handoff && { pauseBot: true }),
    ...(notice && { notices: [{ to: notice.to, content: { text: notice.text } }] }),
    apply: (write) => shop.apply(write),
  };
}

/** Waits (briefly) until every earlier message of this buyer is decided, so replies follow the messages' order. */
async function waitForEarlierMessages(vendorId: string, customer: string, messageId: string, receivedAt?: Timestamp): Promise<void> {
  const deadline = Date.now() + ORDER_WAIT_MS;
  let earlier = await earlierPendingInbound(vendorId, customer, messageId, receivedAt);
  while (earlier && Date.now() < deadline) {
    await sleep(ORDER_POLL_MS);
    earlier = await earlierPendingInbound(vendorId, customer, messageId, receivedAt);
  }
  if (earlier) logger.warn("an earlier message is still undecided; going ahead", { vendorId, messageId, earlier });
}

/**
 * Runs the chat engine on one stored inbound message and sends its replies through the number the
 * customer wrote to. Safe to run twice for the same message: the decision commits once, each reply is
 * sent at most once.
 */
export async function replyToInbound(
  vendorId: string,
  customer: string,
  messageId: string,
  deps: ReplyDeps,
  /** The message's `receivedAt` as the trigger saw it (saves a read); read from the document otherwise. */
  receivedAt?: unknown,
): Promise<void> {
  const config = await readVendorConfigCached(vendorId);
  // Counted before the decision (outside its transaction, which may retry); a redelivered trigger
  // counts again but finds the message decided and changes nothing.
  const verdict: LimitVerdict =
    config.found && config.valid && config.config.autoReplyEnabled
      ? await deps.limiter.check(vendorId, customer, config.config.rateLimits)
      : { allowed: true };
  await waitForEarlierMessages(vendorId, customer, messageId, receivedAt instanceof Timestamp ? receivedAt : undefined);
  let decided: Awaited<ReturnType<typeof decideOnce>>;
  try {
    decided = await decideOnce(vendorId, customer, messageId, (inbound, conversation, tx) =>
      decide(vendorId, config, inbound, conversation, tx, deps, verdict),
    );
  } catch (error) {
    // Never leave a message pending: it would hold back every later message of this buyer. It stays
    // stored, marked failed with the reason, for an operator to see.
    const reason = error instanceof DecisionError ? error.message : `the decision failed: ${String(error)}`;
    logger.error("inbound not decided", { vendorId, messageId, reason });
    await markUndecided(vendorId, customer, messageId, reason);
    return;
  }
  const { sends, alreadyDecided, wabaInstanceId } = decided;
  if (alreadyDecided) logger.info("inbound already decided", { vendorId, messageId });
  for (const { to, ids } of sends) await sendOutboundInOrder(vendorId, wabaInstanceId, to, ids, deps);
}
