import { logger } from "../shared/logger";
import { storeInbound } from "../store/conversations";
import {
  DESIGN_MESSAGE_EVENT,
  GROUP_MESSAGE_EVENTS,
  interpretMessage,
  MESSAGE_EVENTS,
  messagesOf,
  NEWSLETTER_MESSAGE_EVENTS,
} from "../wasender/message-payloads";
import { errorResponse, type WebhookResponse } from "../http/handler";
import type { VerifiedEvent } from "./verified-event";

export const HANDLED_MESSAGE_EVENTS = [
  ...MESSAGE_EVENTS,
  ...GROUP_MESSAGE_EVENTS,
  ...NEWSLETTER_MESSAGE_EVENTS,
  DESIGN_MESSAGE_EVENT,
];

/** Stores each customer message of the event once; the reply trigger takes it from there. */
export async function handleMessageEvent({ vendorId, instance, envelope }: VerifiedEvent): Promise<WebhookResponse> {
  const { event, data } = envelope;
  const outcomes = messagesOf(data).map((raw, index) => interpretMessage(event, raw, index));
  const invalid = outcomes.filter((outcome) => outcome.outcome === "invalid");
  if (invalid.length === outcomes.length) {
    const detail = invalid.length === 1 ? `: ${invalid[0]!.reason}` : ".";
    return errorResponse(400, "invalid_message", `The "${event}" event carries no readable message${detail}`, {
      problems: invalid.map((outcome) => outcome.reason),
    });
  }
  // One after another, in the batch's order: each message's `receivedAt` (the server's commit time, by
  // which a buyer's messages are decided) then follows the order they were sent in. Stored together,
  // a buyer's `ROBE1` then `2` could get their times the other way round and be answered out of order.
  const results = [];
  for (const outcome of outcomes) {
    if (outcome.outcome !== "accepted") {
      results.push(outcome);
      continue;
    }
    const stored = await storeInbound(vendorId, instance.id, outcome.message);
    results.push({ outcome: stored, waMessageId: outcome.message.waMessageId });
  }
  logger.info("webhook messages", {
    vendorId,
    wabaInstanceId: instance.id,
    event,
    outcomes: results.map((result) => result.outcome),
  });
  return { status: 200, body: { ok: true, event, results } };
}
