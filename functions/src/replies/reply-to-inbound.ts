import { logger } from "firebase-functions";
import { BASIC_TEXTS } from "../engine/messages";
import type { InboundLimiter, LimitVerdict } from "../shared/inbound-limiter";
import type { ChatEngine, ConversationState } from "../engine/chat-engine";
import type { InboundDoc } from "../model/message";
import { decideOnce, type InboundDecision } from "../store/conversations";
import { readActiveProducts } from "../store/products";
import { readVendorConfigCached, type VendorConfigRead } from "../store/vendor-configs";
import { sendOutboundInOrder, type SendDeps } from "./send-outbound";

export interface ReplyDeps extends SendDeps {
  engine: ChatEngine;
  limiter: InboundLimiter;
}

async function decide(
  vendorId: string,
  config: VendorConfigRead,
  inbound: InboundDoc,
  state: ConversationState,
  engine: ChatEngine,
  verdict: LimitVerdict,
): Promise<InboundDecision> {
  if (!config.found) return { state: "failed", reason: `vendor_configs/${vendorId} does not exist`, replies: [] };
  if (!config.valid) {
    return { state: "failed", reason: `vendor_configs/${vendorId} is invalid: ${config.problems.join("; ")}`, replies: [] };
  }
  if (!config.config.autoReplyEnabled) return { state: "skipped", reason: "autoReplyEnabled is false", replies: [] };
  if (!verdict.allowed) {
    return {
      state: "skipped",
      reason: `rate limited: over ${verdict.limit} messages a minute ${verdict.scope === "customer" ? "from this customer" : "for this vendor"}`,
      replies: verdict.notify ? [{ text: BASIC_TEXTS[config.config.language].slowDown }] : [],
    };
  }
  const { businessName, welcomeMessage, language } = config.config;
  const output = await engine.handle({
    vendor: { vendorId, language, ...(businessName && { businessName }), ...(welcomeMessage && { welcomeMessage }) },
    state,
    message: { from: inbound.from, text: inbound.text, ...(inbound.customerName && { customerName: inbound.customerName }) },
    catalog: { activeProducts: () => readActiveProducts(vendorId) },
  });
  return { state: "done", replies: output.replies, conversationState: output.state };
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
): Promise<void> {
  const config = await readVendorConfigCached(vendorId);
  // Counted before the decision (outside its transaction, which may retry); a redelivered trigger
  // counts again but finds the message decided and changes nothing.
  const verdict: LimitVerdict =
    config.found && config.valid && config.config.autoReplyEnabled
      ? await deps.limiter.check(vendorId, customer, config.config.rateLimits)
      : { allowed: true };
  const { replyIds, alreadyDecided, wabaInstanceId } = await decideOnce(vendorId, customer, messageId, (inbound, state) =>
    decide(vendorId, config, inbound, state, deps.engine, verdict),
  );
  if (alreadyDecided) logger.info("inbound already decided", { vendorId, messageId });
  await sendOutboundInOrder(vendorId, wabaInstanceId, customer, replyIds, deps);
}
