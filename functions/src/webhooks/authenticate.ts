import type { MessagingInstance, WasenderInstance } from "../model/waba-instance";
import { header, type WebhookRequest } from "../http/handler";

/**
 * Which of the vendor's numbers signed a request: `signers` (never empty) are every number whose
 * secret the request's signature matches, the one it is for first. The signature is checked here
 * only: what the body names later is matched against `signers`, never checked again.
 */
export type Authentication<I extends MessagingInstance = WasenderInstance> =
  { ok: true; signers: I[] } | { ok: false; code: "missing_signature" | "invalid_signature"; message: string };

/** How one provider's webhooks prove which of the vendor's numbers they are for. */
export interface Authenticator<I extends MessagingInstance> {
  authenticate(request: WebhookRequest, instances: MessagingInstance[]): Authentication<I>;
  /** Whether the request carries this provider's signature header at all (one without is never re-checked). */
  signed(request: WebhookRequest): boolean;
}

/**
 * The authenticator of a provider that puts its one proof in one header (Meta's signature, Unipile's
 * secret): every candidate number the proof `matches` signed the request.
 */
export function headerAuthenticator(spec: {
  header: string;
  candidates: (instances: MessagingInstance[]) => MessagingInstance[];
  matches: (given: string, instance: MessagingInstance, rawBody: Buffer) => boolean;
  missing: string;
  invalid: string;
}): Authenticator<MessagingInstance> {
  return {
    authenticate(request, instances) {
      const given = header(request, spec.header);
      if (given === undefined) return { ok: false, code: "missing_signature", message: spec.missing };
      const rawBody = request.rawBody ?? Buffer.alloc(0);
      const signers = spec.candidates(instances).filter((instance) => spec.matches(given, instance, rawBody));
      return signers.length > 0
        ? { ok: true, signers }
        : { ok: false, code: "invalid_signature", message: spec.invalid };
    },
    signed: (request) => header(request, spec.header) !== undefined,
  };
}
