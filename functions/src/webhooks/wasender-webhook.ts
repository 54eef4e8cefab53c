import { logger } from "firebase-functions";
import { describeIssues } from "../model/common";
import type { WasenderInstance } from "../model/waba-instance";
import { envelopeSchema, type Envelope } from "../wasender/webhook-events";
import { authenticate } from "./authenticate";
import { handleConnectionEvent, CONNECTION_EVENTS } from "./connection-events";
import { errorResponse, MAX_BODY_BYTES, type WebhookRequest, type WebhookResponse } from "./http";
import { handleMessageEvent, HANDLED_MESSAGE_EVENTS } from "./message-events";
import { handleStatusEvent, STATUS_EVENTS } from "./status-events";
import { parseVendorPath } from "./vendor-path";
import { loadVendorInstances } from "./vendor-instances";

export interface VerifiedEvent {
  vendorId: string;
  instance: WasenderInstance;
  envelope: Envelope;
}

/**
 * The events registered at Wasender: one per need, since overlapping message events (received,
 * upsert, personal) deliver the same message several times. Every handled event is still accepted.
 * message-receipt.update concerns groups only, where the bot never speaks.
 */
export const REGISTERED_EVENTS = ["messages.received", "messages.update", "message.sent", "session.status", "qrcode.updated"];

/**
 * The one pipeline behind all of a vendor's webhook URLs (`/{vendorId}`, `/status`, `/connection`):
 * Wasender posts every event of a session to the single URL registered for it, so each URL accepts
 * every event and handles it with the same code. Answers only after the event's writes.
 */
export async function handleWasenderWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  if (request.method !== "POST") {
    return { ...errorResponse(405, "method_not_allowed", "Use POST."), headers: { Allow: "POST" } };
  }
  const target = parseVendorPath(request.path);
  if (!target.ok) return errorResponse(404, "not_found", target.reason);
  const { vendorId } = target;
  const rawBody = request.rawBody ?? Buffer.alloc(0);
  if (rawBody.length > MAX_BODY_BYTES) {
    return errorResponse(413, "payload_too_large", `The body is ${rawBody.length} bytes; the limit is ${MAX_BODY_BYTES}.`);
  }

  // The cached configuration first; if it does not let the request in, the documents themselves, so a
  // secret rotated (or a vendor onboarded) a moment ago works at once.
  let vendor = await loadVendorInstances(vendorId);
  let auth = vendor.kind === "ready" ? authenticate(request, vendor.instances) : undefined;
  if (!auth?.ok && vendor.fromCache) {
    vendor = await loadVendorInstances(vendorId, { fresh: true });
    auth = vendor.kind === "ready" ? authenticate(request, vendor.instances) : undefined;
  }
  if (vendor.kind === "unknown") return errorResponse(404, "unknown_vendor", `Unknown vendor "${vendorId}".`);
  if (vendor.kind === "unusable" || !auth) {
    return errorResponse(409, "no_usable_instance", `Vendor "${vendorId}" has no usable Wasender number.`, {
      problems: vendor.kind === "unusable" ? vendor.problems : [],
    });
  }
  if (!auth.ok) {
    logger.warn("webhook rejected", { vendorId, reason: auth.code });
    return errorResponse(401, auth.code, auth.message);
  }

  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return errorResponse(400, "invalid_json", "The body is not valid JSON.");
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    return errorResponse(400, "invalid_event", "The body is not a Wasender event: { event, data }.", {
      problems: describeIssues(envelope.error),
    });
  }
  const verified: VerifiedEvent = { vendorId, instance: auth.instance, envelope: envelope.data };
  const { event } = envelope.data;
  if (HANDLED_MESSAGE_EVENTS.includes(event)) return handleMessageEvent(verified);
  if (STATUS_EVENTS.includes(event)) return handleStatusEvent(verified);
  if (CONNECTION_EVENTS.includes(event)) return handleConnectionEvent(verified);
  logger.info("webhook event ignored", { vendorId, event });
  return { status: 200, body: { ok: true, event, ignored: `event "${event}" is not handled` } };
}
