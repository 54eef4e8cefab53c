import { acceptedSecrets, isWasender, type MessagingInstance, type WasenderInstance } from "../model/waba-instance";
import { HMAC_HEADER, SECRET_HEADER, verifySignature } from "../wasender/signature";
import { header, type WebhookRequest } from "../http/handler";

export type Authentication<I extends MessagingInstance = WasenderInstance> =
  { ok: true; instance: I } | { ok: false; code: "missing_signature" | "invalid_signature"; message: string };

/** How one provider's webhooks prove which of the vendor's numbers they are for. */
export interface Authenticator<I extends MessagingInstance> {
  authenticate(request: WebhookRequest, instances: MessagingInstance[]): Authentication<I>;
  /** Whether the request carries this provider's signature header at all (one without is never re-checked). */
  signed(request: WebhookRequest): boolean;
}

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
      if (verdict === "valid") return { ok: true, instance };
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
