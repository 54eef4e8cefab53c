import { logger } from "../shared/logger";
import { errorResponse, header, MAX_BODY_BYTES, parseJsonBody, type WebhookRequest, type WebhookResponse } from "../http/handler";
import { parseMetaWebhook, verifyChallenge, verifyMetaSignature, type MetaWebhookItem } from "../meta/webhook-payloads";
import { receivesMeta, type MessagingInstance } from "../model/waba-instance";
import { recordStatus } from "../outbound/links";
import { storeInbound } from "../store/conversations";
import type { Authenticator } from "./authenticate";
import { RejectionLog } from "./rejection-log";
import { admitRequest, admitted, defaultGateState, type GateState } from "./vendor-gate";
import { loadVendorInstances } from "./vendor-instances";
import { META_ROUTE, parseVendorPath } from "./vendor-path";

export const META_SIGNATURE_HEADER = "x-hub-signature-256";
/** The `event` stored on an inbound message that came through Meta's webhook. */
export const META_MESSAGE_EVENT = "meta.messages";

const rejections = new RejectionLog();

/** Meta signs with the app secret: any of the vendor's Cloud API numbers whose `metaAppSecret` matches vouches for the body. */
const metaAuthenticator: Authenticator<MessagingInstance> = {
  authenticate(request, instances) {
    const signature = header(request, META_SIGNATURE_HEADER);
    if (signature === undefined) {
      return { ok: false, code: "missing_signature", message: "Missing X-Hub-Signature-256 (sha256=<HMAC-SHA256 of the body with the app secret>)." };
    }
    const rawBody = request.rawBody ?? Buffer.alloc(0);
    const instance = instances.filter(receivesMeta).find((candidate) => verifyMetaSignature(rawBody, signature, candidate.metaAppSecret!));
    if (instance) return { ok: true, instance };
    return { ok: false, code: "invalid_signature", message: "The X-Hub-Signature-256 does not match this vendor's Meta app secret." };
  },
  signed: (request) => header(request, META_SIGNATURE_HEADER) !== undefined,
};

/**
 * `GET|POST /api/webhooks/meta/{vendorId}`: Meta's verification, and the events of the vendor's Cloud
 * API numbers (its `provider: "meta"` numbers and its failover numbers). A POST is authenticated over
 * its raw bytes, then handled whole: every change must name one of this vendor's numbers
 * (`metadata.phone_number_id`), or nothing is written. Messages join the customer's one conversation,
 * deduplicated on the wamid; statuses feed the same forward-only lifecycle as Wasender's.
 */
export async function handleMetaWebhook(request: WebhookRequest, state: GateState = defaultGateState()): Promise<WebhookResponse> {
  if (request.method !== "POST" && request.method !== "GET") {
    return { ...errorResponse(405, "method_not_allowed", "Use GET (verification) or POST (events)."), headers: { Allow: "GET, POST" } };
  }
  const target = parseVendorPath(request.path, META_ROUTE);
  if (!target.ok) return errorResponse(404, "not_found", target.reason);
  const { vendorId } = target;
  if (request.method === "GET") return verify(vendorId, request, state);

  const rawBody = request.rawBody ?? Buffer.alloc(0);
  if (rawBody.length > MAX_BODY_BYTES) {
    return errorResponse(413, "payload_too_large", `The body is ${rawBody.length} bytes; the limit is ${MAX_BODY_BYTES}.`);
  }
  const gate = admitted(
    vendorId,
    await admitRequest(vendorId, request, metaAuthenticator, state),
    (instances) => instances.some(receivesMeta),
    (problems) => errorResponse(409, "no_meta_number", `Vendor "${vendorId}" has no usable Cloud API number (metaPhoneNumberId, metaAppSecret, metaVerifyToken).`, { problems }),
    rejections,
  );
  if (!gate.ok) return gate.response;
  const metaNumbers = gate.instances.filter(receivesMeta);

  const body = parseJsonBody(rawBody);
  if (!body.ok) return body.response;
  const parsed = parseMetaWebhook(body.json);
  if (!parsed.ok) return errorResponse(400, "invalid_event", `The body is not a WhatsApp Cloud API webhook: ${parsed.error}.`);

  const byPhoneNumberId = new Map(metaNumbers.map((instance) => [instance.metaPhoneNumberId!, instance]));
  const foreign = [...new Set(parsed.items.map((item) => item.phoneNumberId).filter((id) => !byPhoneNumberId.has(id)))];
  if (foreign.length > 0) {
    logger.warn("meta webhook names another vendor's number", { vendorId, phoneNumberIds: foreign });
    return errorResponse(403, "unknown_number", `phone_number_id ${foreign.slice(0, 3).map((id) => id.slice(0, 40)).join(", ")} is not a Cloud API number of vendor "${vendorId}"; nothing was recorded.`);
  }
  const results = [];
  for (const item of parsed.items) results.push(await apply(vendorId, byPhoneNumberId.get(item.phoneNumberId)!, item));
  logger.info("meta webhook", { vendorId, outcomes: results.map((result) => `${result.type}:${result.outcome}`), skipped: parsed.skipped.length });
  return { status: 200, body: { ok: true, results, ...(parsed.skipped.length > 0 && { skipped: parsed.skipped }) } };
}

async function apply(vendorId: string, instance: MessagingInstance, item: MetaWebhookItem) {
  switch (item.type) {
    case "message": {
      const { type: _type, phoneNumberId: _number, metaType: _metaType, ...message } = item;
      const outcome = await storeInbound(vendorId, instance.id, { ...message, event: META_MESSAGE_EVENT, channel: "meta" });
      return { type: "message", waMessageId: item.waMessageId, outcome };
    }
    case "status": {
      const outcome = await recordStatus(vendorId, item.waMessageId, { status: item.status, ...(item.reason && { reason: item.reason }) });
      return { type: "status", waMessageId: item.waMessageId, status: item.status, outcome };
    }
    case "error":
      logger.warn("meta reports a problem with the number", { vendorId, wabaInstanceId: instance.id, code: item.code, reason: item.reason });
      return { type: "error", code: item.code, outcome: "logged" };
  }
}

/** Meta's GET verification: the challenge echoed as plain text when the token is one of the vendor's. */
async function verify(vendorId: string, request: WebhookRequest, state: GateState): Promise<WebhookResponse> {
  const vendor = await loadVendorInstances(vendorId, {}, state.cache);
  if (vendor.kind === "unknown") return errorResponse(404, "unknown_vendor", `Unknown vendor "${vendorId}".`);
  const tokens = vendor.kind === "ready" ? vendor.instances.filter(receivesMeta).map((instance) => instance.metaVerifyToken!) : [];
  if (tokens.length === 0) return errorResponse(409, "no_meta_number", `Vendor "${vendorId}" has no usable Cloud API number (metaPhoneNumberId, metaAppSecret, metaVerifyToken).`);
  for (const token of tokens) {
    const challenge = verifyChallenge(request.query ?? {}, token);
    if (challenge !== undefined) {
      logger.info("meta webhook verified", { vendorId });
      return { status: 200, body: {}, text: challenge };
    }
  }
  return errorResponse(403, "invalid_verify_token", "hub.mode must be subscribe, with this vendor's hub.verify_token and a hub.challenge.");
}
