import { logger } from "../shared/logger";
import {
  errorResponse,
  header,
  MAX_BODY_BYTES,
  parseJsonBody,
  type WebhookRequest,
  type WebhookResponse,
} from "../http/handler";
import { parseMetaWebhook, verifyChallenge, verifyMetaSignature, type MetaWebhookItem } from "../meta/webhook-payloads";
import { receivesMeta, type MessagingInstance } from "../model/waba-instance";
import { recordStatus } from "../outbound/links";
import { storeInbound } from "../store/conversations";
import type { Authenticator } from "./authenticate";
import { RejectionLog } from "./rejection-log";
import {
  ACCEPT_MAX_AGE_MS,
  admitRequest,
  admitted,
  defaultGateState,
  REDIS_SAFETY_NET_MS,
  type GateState,
} from "./vendor-gate";
import { loadVendorInstances } from "./vendor-instances";
import { META_ROUTE, parseVendorPath } from "./vendor-path";

export const META_SIGNATURE_HEADER = "x-hub-signature-256";
/** The `event` stored on an inbound message that came through Meta's webhook. */
export const META_MESSAGE_EVENT = "meta.messages";

const rejections = new RejectionLog();

/**
 * Meta signs with the app secret: a body is let in when one of the vendor's Cloud API numbers'
 * `metaAppSecret` matches; once parsed, every number it names must have signed it too (below).
 */
const metaAuthenticator: Authenticator<MessagingInstance> = {
  authenticate(request, instances) {
    const signature = header(request, META_SIGNATURE_HEADER);
    if (signature === undefined) {
      return {
        ok: false,
        code: "missing_signature",
        message: "Missing X-Hub-Signature-256 (sha256=<HMAC-SHA256 of the body with the app secret>).",
      };
    }
    const rawBody = request.rawBody ?? Buffer.alloc(0);
    const instance = instances
      .filter(receivesMeta)
      .find((candidate) => verifyMetaSignature(rawBody, signature, candidate.metaAppSecret!));
    if (instance) return { ok: true, instance };
    return {
      ok: false,
      code: "invalid_signature",
      message: "The X-Hub-Signature-256 does not match this vendor's Meta app secret.",
    };
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
export async function handleMetaWebhook(
  request: WebhookRequest,
  state: GateState = defaultGateState(),
): Promise<WebhookResponse> {
  if (request.method !== "POST" && request.method !== "GET") {
    return {
      ...errorResponse(405, "method_not_allowed", "Use GET (verification) or POST (events)."),
      headers: { Allow: "GET, POST" },
    };
  }
  const target = parseVendorPath(request.path, META_ROUTE);
  if (!target.ok) return errorResponse(404, "not_found", target.reason);
  const { vendorId } = target;
  if (request.method === "GET") return verify(vendorId, request, state);

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
    await admitRequest(vendorId, request, metaAuthenticator, state),
    (instances) => instances.some(receivesMeta),
    (problems) =>
      errorResponse(
        409,
        "no_meta_number",
        `Vendor "${vendorId}" has no usable Cloud API number (metaPhoneNumberId, metaAppSecret, metaVerifyToken).`,
        { problems },
      ),
    rejections,
  );
  if (!gate.ok) return gate.response;
  const metaNumbers = gate.instances.filter(receivesMeta);

  const body = parseJsonBody(rawBody);
  if (!body.ok) return body.response;
  const parsed = parseMetaWebhook(body.json);
  if (!parsed.ok)
    return errorResponse(400, "invalid_event", `The body is not a WhatsApp Cloud API webhook: ${parsed.error}.`);

  const byPhoneNumberId = new Map(metaNumbers.map((instance) => [instance.metaPhoneNumberId!, instance]));
  const named = (ids: string[]) =>
    ids
      .slice(0, 3)
      .map((id) => id.slice(0, 40))
      .join(", ");
  const foreign = parsed.phoneNumberIds.filter((id) => !byPhoneNumberId.has(id));
  if (foreign.length > 0) {
    logger.warn("meta webhook names another vendor's number", { vendorId, phoneNumberIds: foreign });
    return errorResponse(
      403,
      "unknown_number",
      `phone_number_id ${named(foreign)} is not a Cloud API number of vendor "${vendorId}"; nothing was recorded.`,
    );
  }
  // A vendor's numbers may belong to different Meta apps: the secret that signed must be the app's of
  // every number the body speaks for, or one app could post as another's number.
  const signature = header(request, META_SIGNATURE_HEADER);
  const unsigned = parsed.phoneNumberIds.filter(
    (id) => !verifyMetaSignature(rawBody, signature, byPhoneNumberId.get(id)!.metaAppSecret!),
  );
  if (unsigned.length > 0) {
    rejections.note(vendorId, "invalid_signature");
    return errorResponse(
      401,
      "invalid_signature",
      `The X-Hub-Signature-256 is not made with the app secret of phone_number_id ${named(unsigned)}; nothing was recorded.`,
    );
  }
  const results = [];
  for (const item of parsed.items) results.push(await apply(vendorId, byPhoneNumberId.get(item.phoneNumberId)!, item));
  logger.info("meta webhook", {
    vendorId,
    outcomes: results.map((result) => `${result.type}:${result.outcome}`),
    skipped: parsed.skipped.length,
  });
  return { status: 200, body: { ok: true, results, ...(parsed.skipped.length > 0 && { skipped: parsed.skipped }) } };
}

async function apply(vendorId: string, instance: MessagingInstance, item: MetaWebhookItem) {
  switch (item.type) {
    case "message": {
      const { type: _type, phoneNumberId: _number, metaType: _metaType, ...message } = item;
      const outcome = await storeInbound(vendorId, instance.id, {
        ...message,
        event: META_MESSAGE_EVENT,
        channel: "meta",
      });
      return { type: "message", waMessageId: item.waMessageId, outcome };
    }
    case "status": {
      const outcome = await recordStatus(vendorId, item.waMessageId, {
        status: item.status,
        ...(item.reason && { reason: item.reason }),
      });
      return { type: "status", waMessageId: item.waMessageId, status: item.status, outcome };
    }
    case "error":
      logger.warn("meta reports a problem with the number", {
        vendorId,
        wabaInstanceId: instance.id,
        code: item.code,
        reason: item.reason,
      });
      return { type: "error", code: item.code, outcome: "logged" };
  }
}

/** Meta's GET verification: the challenge echoed as plain text when the token is one of the vendor's. */
async function verify(vendorId: string, request: WebhookRequest, state: GateState): Promise<WebhookResponse> {
  // The same freshness as a POST's credentials: a rotated token or a removed number stops verifying within 5 s.
  const vendor = await loadVendorInstances(
    vendorId,
    { maxAgeMs: state.cache.usesRedis ? REDIS_SAFETY_NET_MS : ACCEPT_MAX_AGE_MS },
    state.cache,
  );
  if (vendor.kind === "unknown") return errorResponse(404, "unknown_vendor", `Unknown vendor "${vendorId}".`);
  const tokens =
    vendor.kind === "ready" ? vendor.instances.filter(receivesMeta).map((instance) => instance.metaVerifyToken!) : [];
  if (tokens.length === 0)
    return errorResponse(
      409,
      "no_meta_number",
      `Vendor "${vendorId}" has no usable Cloud API number (metaPhoneNumberId, metaAppSecret, metaVerifyToken).`,
    );
  for (const token of tokens) {
    const challenge = verifyChallenge(request.query ?? {}, token);
    if (challenge !== undefined) {
      logger.info("meta webhook verified", { vendorId });
      return { status: 200, body: {}, text: challenge };
    }
  }
  return errorResponse(
    403,
    "invalid_verify_token",
    "hub.mode must be subscribe, with this vendor's hub.verify_token and a hub.challenge.",
  );
}
