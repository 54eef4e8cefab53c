import { logger } from "../shared/logger";
import {
  errorResponse,
  MAX_BODY_BYTES,
  parseJsonBody,
  type WebhookRequest,
  type WebhookResponse,
} from "../http/handler";
import { describeIssues } from "../model/common";
import { envelopeSchema } from "../wasender/envelope";
import { handleConnectionEvent, CONNECTION_EVENTS } from "./connection-handler";
import { handleMessageEvent, HANDLED_MESSAGE_EVENTS } from "./message-handler";
import { handleStatusEvent, STATUS_EVENTS } from "./status-handler";
import { isWasender } from "../model/waba-instance";
import { wasenderAuthenticator } from "./authenticate";
import { admitRequest, defaultGateState, admitted, type GateState } from "./vendor-gate";
import { parseVendorPath } from "./vendor-path";
import { RejectionLog } from "./rejection-log";
import type { VerifiedEvent } from "./verified-event";

const rejections = new RejectionLog();

/**
 * The one pipeline behind all of a vendor's webhook URLs (`/{vendorId}`, `/status`, `/connection`):
 * Wasender posts every event of a session to the single URL registered for it, so each URL accepts
 * every event and handles it with the same code. Answers only after the event's writes. `state` is
 * what one function instance keeps between requests (its configuration cache); tests pass a second.
 */
export async function handleWasenderWebhook(
  request: WebhookRequest,
  state: GateState = defaultGateState(),
): Promise<WebhookResponse> {
  if (request.method !== "POST") {
    return { ...errorResponse(405, "method_not_allowed", "Use POST."), headers: { Allow: "POST" } };
  }
  const target = parseVendorPath(request.path);
  if (!target.ok) return errorResponse(404, "not_found", target.reason);
  const { vendorId } = target;
  const rawBody = request.rawBody ?? Buffer.alloc(0);
  if (rawBody.length > MAX_BODY_BYTES) {
    return errorResponse(
      413,
      "payload_too_large",
      `The body is ${rawBody.length} bytes; the limit is ${MAX_BODY_BYTES}.`,
    );
  }

  const gate = admitted(
    vendorId,
    await admitRequest(vendorId, request, wasenderAuthenticator, state),
    // A vendor whose numbers are all on the Cloud API has nothing Wasender could sign for.
    (instances) => instances.some(isWasender),
    (problems) =>
      errorResponse(409, "no_usable_instance", `Vendor "${vendorId}" has no usable Wasender number.`, { problems }),
    rejections,
  );
  if (!gate.ok) return gate.response;

  const body = parseJsonBody(rawBody);
  if (!body.ok) return body.response;
  const envelope = envelopeSchema.safeParse(body.json);
  if (!envelope.success) {
    return errorResponse(400, "invalid_event", "The body is not a Wasender event: { event, data }.", {
      problems: describeIssues(envelope.error),
    });
  }
  const verified: VerifiedEvent = { vendorId, instance: gate.instance, envelope: envelope.data };
  const { event } = envelope.data;
  if (HANDLED_MESSAGE_EVENTS.includes(event)) return handleMessageEvent(verified);
  if (STATUS_EVENTS.includes(event)) return handleStatusEvent(verified);
  if (CONNECTION_EVENTS.includes(event)) return handleConnectionEvent(verified);
  logger.info("webhook event ignored", { vendorId, event });
  return { status: 200, body: { ok: true, event, ignored: `event "${event}" is not handled` } };
}
