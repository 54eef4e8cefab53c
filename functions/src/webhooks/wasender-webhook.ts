import { logger } from "../shared/logger";
import { pass, refuse } from "../http/admission";
import { errorResponse, header, type WebhookRequest, type WebhookResponse } from "../http/handler";
import { describeIssues } from "../model/common";
import { acceptedSecrets, isWasender, type WasenderInstance } from "../model/waba-instance";
import { HMAC_HEADER, SECRET_HEADER, verifySignature } from "../wasender/signature";
import { envelopeSchema, type Envelope } from "../wasender/envelope";
import { handleConnectionEvent, CONNECTION_EVENTS } from "./connection-handler";
import { handleMessageEvent, HANDLED_MESSAGE_EVENTS } from "./message-handler";
import { handleStatusEvent, STATUS_EVENTS } from "./status-handler";
import type { Authentication, Authenticator } from "./authenticate";
import { vendorWebhook } from "./vendor-gate";
import { WASENDER_ROUTE } from "./vendor-path";
import { RejectionLog } from "./rejection-log";

export const wasenderAuthenticator: Authenticator<WasenderInstance> = {
  authenticate: (request, instances) => authenticate(request, instances.filter(isWasender)),
  signed: (request) => header(request, SECRET_HEADER) !== undefined || header(request, HMAC_HEADER) !== undefined,
};

/**
 * Finds which of the vendor's numbers signed the request. Each candidate secret (a rotated one too,
 * until it expires) is checked in constant time; with several numbers, the one whose secret matches is
 * the number the customer wrote to.
 */
export function authenticate(request: WebhookRequest, instances: WasenderInstance[]): Authentication {
  const rawBody = request.rawBody ?? Buffer.alloc(0);
  const headers = { secretHeader: header(request, SECRET_HEADER), hmacHeader: header(request, HMAC_HEADER) };
  let sawSignature = false;
  for (const instance of instances) {
    for (const secret of acceptedSecrets(instance)) {
      const verdict = verifySignature(instance.webhookSignatureScheme, secret, rawBody, headers);
      if (verdict === "valid") return { ok: true, signers: [instance] };
      if (verdict === "invalid") sawSignature = true;
    }
  }
  return sawSignature
    ? { ok: false, code: "invalid_signature", message: "The webhook signature does not match this vendor's secret." }
    : {
        ok: false,
        code: "missing_signature",
        message:
          "Missing webhook signature: send X-Webhook-Signature (the secret) or X-Wasender-Signature (HMAC-SHA256 hex).",
      };
}

const readEnvelope = (json: unknown) => {
  const envelope = envelopeSchema.safeParse(json);
  if (envelope.success) return pass(envelope.data);
  return refuse(
    errorResponse(400, "invalid_event", "The body is not a Wasender event: { event, data }.", {
      problems: describeIssues(envelope.error),
    }),
  );
};

/**
 * The one pipeline behind all of a vendor's webhook URLs (`/{vendorId}`, `/status`, `/connection`):
 * Wasender posts every event of a session to the single URL registered for it, so each URL accepts
 * every event and handles it with the same code. Answers only after the event's writes.
 */
export const handleWasenderWebhook = vendorWebhook<WasenderInstance, Envelope>(
  {
    route: WASENDER_ROUTE,
    authenticator: wasenderAuthenticator,
    // A vendor whose numbers are all on the Cloud API has nothing Wasender could sign for.
    hasNumber: (instances) => instances.some(isWasender),
    noNumber: (vendorId, problems) =>
      errorResponse(409, "no_usable_instance", `Vendor "${vendorId}" has no usable Wasender number.`, { problems }),
    rejections: new RejectionLog(),
    read: readEnvelope,
  },
  ({ vendorId, instance }, envelope): Promise<WebhookResponse> => {
    const verified = { vendorId, instance, envelope };
    const { event } = envelope;
    if (HANDLED_MESSAGE_EVENTS.includes(event)) return handleMessageEvent(verified);
    if (STATUS_EVENTS.includes(event)) return handleStatusEvent(verified);
    if (CONNECTION_EVENTS.includes(event)) return handleConnectionEvent(verified);
    logger.info("webhook event ignored", { vendorId, event });
    return Promise.resolve({ status: 200, body: { ok: true, event, ignored: `event "${event}" is not handled` } });
  },
);
