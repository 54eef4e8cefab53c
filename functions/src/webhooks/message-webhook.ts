import { logger } from "firebase-functions";
import { describeIssues } from "../model/common";
import { storeInbound } from "../store/conversations";
import { envelopeSchema, GROUP_MESSAGE_EVENTS, interpretMessage, MESSAGE_EVENTS, messagesOf } from "../wasender/webhook-events";
import { authenticate } from "./authenticate";
import { errorResponse, MAX_BODY_BYTES, type WebhookRequest, type WebhookResponse } from "./http";
import { parseVendorPath } from "./vendor-path";
import { loadVendorInstances } from "./vendor-instances";

/**
 * `POST /api/webhooks/wasender/{vendorId}`: authenticates the request with the vendor's secret, stores
 * each customer message once, and answers only after the write. Replies happen in a Firestore trigger.
 */
export async function handleWasenderMessageWebhook(request: WebhookRequest): Promise<WebhookResponse> {
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

  const vendor = await loadVendorInstances(vendorId);
  if (vendor.kind === "unknown") return errorResponse(404, "unknown_vendor", `Unknown vendor "${vendorId}".`);
  if (vendor.kind === "unusable") {
    return errorResponse(409, "no_usable_instance", `Vendor "${vendorId}" has no usable Wasender number.`, {
      problems: vendor.problems,
    });
  }
  const auth = authenticate(request, vendor.instances);
  if (!auth.ok) {
    logger.warn("webhook rejected", { vendorId, reason: auth.code });
    return errorResponse(401, auth.code, auth.message);
  }
  const instance = auth.instance;

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
  const { event, data } = envelope.data;
  if (!MESSAGE_EVENTS.has(event) && !GROUP_MESSAGE_EVENTS.has(event)) {
    logger.info("webhook event ignored", { vendorId, event });
    return { status: 200, body: { ok: true, event, ignored: `event "${event}" is not handled at this URL` } };
  }

  const outcomes = messagesOf(data).map((raw, index) => interpretMessage(event, raw, index));
  const invalid = outcomes.filter((outcome) => outcome.outcome === "invalid");
  if (invalid.length === outcomes.length) {
    return errorResponse(400, "invalid_message", `The "${event}" event carries no readable message.`, {
      problems: invalid.map((outcome) => outcome.reason),
    });
  }
  const results = await Promise.all(
    outcomes.map(async (outcome) => {
      if (outcome.outcome !== "accepted") return outcome;
      const stored = await storeInbound(vendorId, instance.id, outcome.message);
      return { outcome: stored, waMessageId: outcome.message.waMessageId };
    }),
  );
  logger.info("webhook messages", {
    vendorId,
    wabaInstanceId: instance.id,
    event,
    outcomes: results.map((result) => result.outcome),
  });
  return { status: 200, body: { ok: true, event, results } };
}
