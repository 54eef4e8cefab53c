import { logger } from "../shared/logger";
import { pass, refuse } from "../http/admission";
import { errorResponse, type WebhookRequest, type WebhookResponse } from "../http/handler";
import {
  parseMetaWebhook,
  verifyChallenge,
  verifyMetaSignature,
  type MetaWebhookItem,
  type MetaWebhookParse,
} from "../meta/webhook-payloads";
import { receivesMeta, type MessagingInstance } from "../model/waba-instance";
import { recordStatus } from "../outbound/links";
import { storeInbound } from "../store/conversations";
import { headerAuthenticator } from "./authenticate";
import { RejectionLog } from "./rejection-log";
import {
  ACCEPT_MAX_AGE_MS,
  REDIS_SAFETY_NET_MS,
  vendorWebhook,
  type GateState,
  type SignedRequest,
} from "./vendor-gate";
import { loadVendorInstances } from "./vendor-instances";
import { META_ROUTE } from "./vendor-path";

export const META_SIGNATURE_HEADER = "x-hub-signature-256";
/** The `event` stored on an inbound message that came through Meta's webhook. */
export const META_MESSAGE_EVENT = "meta.messages";

const NO_META_NUMBER = (vendorId: string) =>
  `Vendor "${vendorId}" has no usable Cloud API number (metaPhoneNumberId, metaAppSecret, metaVerifyToken).`;

/**
 * Meta signs with the app secret: a body is let in when one of the vendor's Cloud API numbers'
 * `metaAppSecret` matches; every number whose secret it is signed it, and once parsed, every number
 * the body names must be one of them (below).
 */
const metaAuthenticator = headerAuthenticator({
  header: META_SIGNATURE_HEADER,
  candidates: (instances) => instances.filter(receivesMeta),
  matches: (signature, instance, rawBody) => verifyMetaSignature(rawBody, signature, instance.metaAppSecret!),
  missing: "Missing X-Hub-Signature-256 (sha256=<HMAC-SHA256 of the body with the app secret>).",
  invalid: "The X-Hub-Signature-256 does not match this vendor's Meta app secret.",
});

const rejections = new RejectionLog();

const readWebhook = (json: unknown) => {
  const parsed = parseMetaWebhook(json);
  if (parsed.ok) return pass(parsed);
  return refuse(errorResponse(400, "invalid_event", `The body is not a WhatsApp Cloud API webhook: ${parsed.error}.`));
};

/**
 * `GET|POST /api/webhooks/meta/{vendorId}`: Meta's verification, and the events of the vendor's Cloud
 * API numbers (its `provider: "meta"` numbers and its failover numbers). A POST is authenticated over
 * its raw bytes, then handled whole: every change must name one of this vendor's numbers
 * (`metadata.phone_number_id`), or nothing is written. Messages join the customer's one conversation,
 * deduplicated on the wamid; statuses feed the same forward-only lifecycle as Wasender's.
 */
export const handleMetaWebhook = vendorWebhook(
  {
    route: META_ROUTE,
    authenticator: metaAuthenticator,
    hasNumber: (instances) => instances.some(receivesMeta),
    noNumber: (vendorId, problems) => errorResponse(409, "no_meta_number", NO_META_NUMBER(vendorId), { problems }),
    rejections,
    read: readWebhook,
    verify,
  },
  handleEvents,
);

async function handleEvents(
  signed: SignedRequest<MessagingInstance>,
  parsed: Extract<MetaWebhookParse, { ok: true }>,
): Promise<WebhookResponse> {
  const { vendorId } = signed;
  const byPhoneNumberId = new Map(
    signed.instances.filter(receivesMeta).map((instance) => [instance.metaPhoneNumberId!, instance]),
  );
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
  const signers = new Set(signed.signers.map((instance) => instance.metaPhoneNumberId));
  const unsigned = parsed.phoneNumberIds.filter((id) => !signers.has(id));
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
  if (tokens.length === 0) return errorResponse(409, "no_meta_number", NO_META_NUMBER(vendorId));
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
