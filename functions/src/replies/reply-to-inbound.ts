import { Timestamp, type Transaction } from "firebase-admin/firestore";
import { logger } from "../shared/logger";
import type { ChatEngine, EngineVendor } from "../engine/chat-engine";
import { textBook } from "../engine/wording";
import type { InboundDoc } from "../model/message";
import { describeIssues } from "../model/common";
import { paymentLinkTemplateSchema, type VendorConfig } from "../model/vendor-config";
import type { InboundLimiter, LimitVerdict } from "../shared/inbound-limiter";
import { attemptClaimed } from "../outbound/deliver";
import type { OutboundDeps } from "../outbound/dispatch";
import { markUndecided, stuckInbound } from "../store/conversations";
import {
  type ConversationView,
  decideOnce,
  type DecideOptions,
  type DecideResult,
  type InboundDecision,
} from "./decision";
import { FirestoreShop } from "../store/shop-firestore";
import { randomReference } from "../store/orders";
import type { CheckoutCreator } from "../model/checkout-port";
import { readActiveProductsCached } from "../store/products";
import { immediateStockViews, type StockViewScheduler } from "../orders/stock-views";
import { readVendorConfigForSending, type VendorConfigRead } from "../store/vendor-configs";
import { askedForProduct } from "../live/funnel";

export interface ReplyDeps extends OutboundDeps {
  engine: ChatEngine;
  /** Where stock views are refreshed after a reservation or a cancel; absent: at once, in process. */
  stockViews?: StockViewScheduler;
  limiter: InboundLimiter;
  /** The platform's pay page, for vendors without their own `paymentLinkTemplate`. */
  platformPaymentLink: () => string;
  /** The vendor's pay link at a reservation, its checkout after the commit (payments/); absent: the template. */
  checkout?: CheckoutCreator;
}

/** A decision that cannot be made for a reason worth telling operators (on the message). */
class DecisionError extends Error {}

/** A decision that throws is tried this many times in all, then the message is marked failed with the reason. */
const DECISION_TRIES = 3;
/**
 * For this long from the start of a run, a decision's first reply's first attempt is made by the run
 * itself (no task hop); past it, a long hand-over chain leaves its replies to their tasks and stays far
 * from the timeout.
 */
const ATTEMPT_HERE_BUDGET_MS = 15_000;
/** How many parked messages one run decides in a row before leaving the rest to their own runs or the sweep. */
const MAX_HANDOVERS = 50;

export function engineVendor(vendorId: string, config: VendorConfig, platformPaymentLink: string): EngineVendor {
  if (!config.paymentLinkTemplate) {
    const platform = paymentLinkTemplateSchema.safeParse(platformPaymentLink);
    if (!platform.success)
      throw new DecisionError(
        `the PLATFORM_PAYMENT_LINK param is not a usable payment link: ${describeIssues(platform.error).join("; ")}`,
      );
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
    ...(config.delivery && { delivery: config.delivery }),
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
  reference: string,
): Promise<InboundDecision> {
  if (!config.found) return { state: "failed", reason: `vendor_configs/${vendorId} does not exist`, replies: [] };
  if (!config.valid) {
    return {
      state: "failed",
      reason: `vendor_configs/${vendorId} is invalid: ${config.problems.join("; ")}`,
      replies: [],
    };
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
  const shopOptions = { reference, ...(deps.checkout && { checkout: deps.checkout }) };
  const shop = new FirestoreShop(tx, vendorId, inbound.wabaInstanceId, now, shopOptions);
  const output = await deps.engine.handle({
    vendor: engineVendor(vendorId, config.config, deps.platformPaymentLink()),
    state: conversation.state,
    message: {
      from: inbound.from,
      text: inbound.text,
      ...(inbound.customerName && { customerName: inbound.customerName }),
    },
    now,
    shop,
  });
  const notice = output.handoff?.ownerNotice;
  return {
    state: output.replies.length === 0 && output.silentReason ? "skipped" : "done",
    ...(output.silentReason && { reason: output.silentReason }),
    replies: output.replies,
    conversationState: output.state,
    ...(askedForProduct(output.state) && { productAsked: true }),
    ...(output.handoff && { pauseBot: true }),
    ...(notice && { notices: [{ to: notice.to, content: { text: notice.text } }] }),
    apply: (write) => shop.apply(write),
    stockChanged: shop.stockChanged,
    checkoutsToCreate: shop.checkoutsToCreate,
  };
}

/**
 * Runs the chat engine on one stored inbound message and queues its replies on the conversation's
 * outbox, from the number the customer wrote to. Messages of one buyer are decided in arrival order
 * without polling: a message that finds an earlier one undecided parks itself behind it and ends; the
 * earlier decision, once committed, decides it here. Safe to run twice: each decision commits once.
 */
export async function replyToInbound(
  vendorId: string,
  customer: string,
  messageId: string,
  deps: ReplyDeps,
  /** The message's `receivedAt` as the trigger saw it (saves a read); read from the document otherwise. */
  receivedAt?: unknown,
): Promise<void> {
  const attemptUntil = Date.now() + ATTEMPT_HERE_BUDGET_MS;
  // Only the run's first message may have an earlier one undecided; each next one was handed over by it.
  const first: DecideOptions = { ordered: receivedAt instanceof Timestamp ? { receivedAt } : {} };
  let current: string | undefined = messageId;
  for (let hops = 0; current && hops < MAX_HANDOVERS; hops++) {
    const options: DecideOptions = { ...(hops === 0 && first), attemptHere: Date.now() < attemptUntil };
    current = await decideAndQueue(vendorId, customer, current, deps, options);
  }
  if (current) logger.warn("hand-over chain cut; the sweep decides the rest", { vendorId, next: current });
}

/**
 * The vendor's settings and the rate-limit verdict a decision runs on. `load` starts reading the
 * settings and the catalogue (or finding them cached) once the message is known to be decided, so
 * they come in alongside the transaction's read of the conversation; the verdict is asked for last.
 */
function decisionInputs(vendorId: string, customer: string, messageId: string, deps: ReplyDeps) {
  let counted: Promise<LimitVerdict> | undefined;
  let loading: { settings: Promise<VendorConfigRead>; catalogue: Promise<unknown> } | undefined;
  const load = () => {
    if (loading) return loading;
    // Fresh enough for the credentials: the first reply's send (in this run) then reads nothing more.
    const settings = readVendorConfigForSending(vendorId);
    // The catalogue is read (or found cached) on its own, not through the transaction: the decision's
    // transaction holds only the documents it reads and writes.
    const catalogue = settings.then((config) =>
      config.found && config.valid ? readActiveProductsCached(vendorId) : undefined,
    );
    // A failed read is not kept: the decision's next try reads again. (Awaited by the decision; should
    // the transaction fail first, nothing else waits for it.)
    catalogue.catch(() => {
      if (loading?.settings === settings) loading = undefined;
    });
    return (loading = { settings, catalogue });
  };
  const inputs = async (): Promise<{ config: VendorConfigRead; verdict: LimitVerdict }> => {
    const { settings, catalogue } = load();
    const config = await settings;
    const usable = config.found && config.valid;
    // Counted once however often the transaction runs, and once however often the message is delivered
    // (the limiter knows it by its id); a message found decided (a redelivered trigger) or parked is not
    // counted at all.
    counted ??=
      usable && config.config.autoReplyEnabled
        ? deps.limiter.check(vendorId, customer, config.config.rateLimits, messageId)
        : Promise.resolve({ allowed: true });
    const verdict = await counted;
    if (verdict.allowed && usable) await catalogue;
    return { config, verdict };
  };
  return { load, inputs };
}

/**
 * Decides one message (retrying a decision that throws), enqueues its replies' tasks; returns the
 * message parked behind it. A message that parks behind an earlier one returns nothing: that one hands over.
 */
async function decideAndQueue(
  vendorId: string,
  customer: string,
  messageId: string,
  deps: ReplyDeps,
  options: DecideOptions,
): Promise<string | undefined> {
  const { load, inputs } = decisionInputs(vendorId, customer, messageId, deps);
  let decided: DecideResult | undefined;
  for (let attempt = 1; !decided; attempt++) {
    // One reference for every run of this attempt's transaction (its pay link is in the message);
    // a new one for the next attempt (the rare reference that already exists fails the commit).
    const reference = randomReference();
    try {
      decided = await decideOnce(
        vendorId,
        customer,
        messageId,
        async (inbound, conversation, tx) => {
          const { config, verdict } = await inputs();
          const decision = await decide(vendorId, config, inbound, conversation, tx, deps, verdict, reference);
          return config.found && config.valid
            ? { ...decision, deadlineMinutes: config.config.deliveryDeadlineMinutes }
            : decision;
        },
        { ...options, deciding: load },
      );
    } catch (error) {
      // A vendor problem (DecisionError) will not go away by trying again; anything else might.
      if (attempt < DECISION_TRIES && !(error instanceof DecisionError)) continue;
      // Never leave a message pending: it would hold back every later message of this buyer. It stays
      // stored, marked failed with the reason, for an operator to see.
      const reason =
        error instanceof DecisionError ? error.message : `the decision failed ${attempt} times: ${String(error)}`;
      logger.error("inbound not decided", { vendorId, messageId, attempts: attempt, reason });
      return markUndecided(vendorId, customer, messageId, reason, attempt);
    }
  }
  if (decided.parkedBehind) {
    logger.info("inbound parked behind an earlier undecided message", {
      vendorId,
      messageId,
      earlier: decided.parkedBehind,
    });
    return undefined;
  }
  if (decided.alreadyDecided) logger.info("inbound already decided", { vendorId, messageId });
  await deps.scheduler.schedule(decided.dispatches);
  // The first reply's attempt, claimed with the decision, is made now by this run (its retries are
  // tasks); the stock views after it.
  if (decided.started) await attemptClaimed(decided.started.task, decided.started.claimed, deps);
  await (deps.stockViews ?? immediateStockViews).refresh(vendorId, decided.stockChanged);
  await createCheckouts(vendorId, decided.checkoutsToCreate ?? [], deps);
  return decided.next;
}

/**
 * The checkouts of the orders a decision just reserved, made after its commit and after its replies are
 * queued: the buyer's pay link works already, and a checkout not made here is made when it is clicked.
 */
async function createCheckouts(vendorId: string, references: string[], deps: ReplyDeps): Promise<void> {
  const checkout = deps.checkout;
  if (!checkout) return;
  await Promise.all(
    references.map((reference) =>
      checkout.ensure(vendorId, reference).catch((error: unknown) => {
        logger.warn("checkout not created after the reservation; the pay link will", {
          vendorId,
          reference,
          error: String(error),
        });
      }),
    ),
  );
}

/** Inbound messages whose trigger died before deciding them (pending for minutes): decided now, oldest first. */
export async function redriveStuckInbound(deps: ReplyDeps, olderThanMs: number, limit = 100): Promise<number> {
  const stuck = await stuckInbound(new Date(Date.now() - olderThanMs), limit);
  for (const { vendorId, customer, messageId } of stuck) {
    try {
      await replyToInbound(vendorId, customer, messageId, deps);
    } catch (error) {
      logger.error("stuck inbound not re-driven", { vendorId, messageId, error: String(error) });
    }
  }
  if (stuck.length > 0) logger.info("stuck inbound messages re-driven", { count: stuck.length });
  return stuck.length;
}
