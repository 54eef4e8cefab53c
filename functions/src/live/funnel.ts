import type { ConversationState } from "../engine/chat-engine";

/**
 * Whether a decision answered a buyer who named a product (its card, or its quantity): the live
 * funnel's first step, read from the intent the engine records in its state. The decision then stamps
 * `productAskedAt` on the conversation it writes anyway, and the live page counts those since the
 * day began (one count query, one document per buyer: no shared document is written in a rush).
 */
export function askedForProduct(state: ConversationState | undefined): boolean {
  const intent = state?.lastIntent;
  return intent === "product" || intent === "quantity";
}
