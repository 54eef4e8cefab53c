import { logger } from "../shared/logger";
import { recordStatus } from "../outbound/links";
import { statusUpdatesOf, STATUS_EVENTS } from "../wasender/status-payloads";
import { errorResponse, type WebhookResponse } from "../http/handler";
import type { VerifiedEvent } from "./verified-event";

export { STATUS_EVENTS };

/** `messages.update`, `message-receipt.update`, `message.sent`: each status onto its outbound message. */
export async function handleStatusEvent({ vendorId, envelope }: VerifiedEvent): Promise<WebhookResponse> {
  const { event, data } = envelope;
  const { updates, invalid } = statusUpdatesOf(event, data);
  if (updates.length === 0) {
    return errorResponse(400, "invalid_status", `The "${event}" event carries no readable status.`, {
      problems: invalid,
    });
  }
  const results = [];
  for (const update of updates) {
    if (!update.fromMe) {
      results.push({
        waMessageId: update.waMessageId,
        status: update.status,
        outcome: "ignored",
        reason: "status of a message the customer sent",
      });
      continue;
    }
    const outcome = await recordStatus(vendorId, update.waMessageId, {
      status: update.status,
      ...(update.reason && { reason: update.reason }),
    });
    results.push({ waMessageId: update.waMessageId, status: update.status, outcome });
  }
  logger.info("webhook statuses", { vendorId, event, outcomes: results.map((r) => `${r.status}:${r.outcome}`) });
  return { status: 200, body: { ok: true, event, results, ...(invalid.length > 0 && { invalid }) } };
}
