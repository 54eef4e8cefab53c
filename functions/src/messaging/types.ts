import type { OutboundContent } from "../model/message";

/**
 * Why a send failed, as the retry policy needs it (README, "Retry policy"):
 *   unreachable   the request never reached the provider (connection refused, DNS): retried
 *   connection_lost, timeout
 *                 the connection broke or went silent after the request was written, or a gateway
 *                 answered 502/504: WhatsApp may have the message; retried, marked possibleDuplicate
 *   server_error  the provider answered any other 5xx: retried
 *   rate_limited  429: retried no earlier than the provider asks
 *   rejected      400/422 (e.g. a bad number): failed at once
 *   unauthorized  401/403: failed at once, the number is marked for the operator
 *   not_found     404 (unknown session): failed at once, the number is marked for the operator
 *   bad_response  2xx without a message id: failed (it was probably sent; never resent)
 *   outside_window  Meta 131047: over 24 h since the customer last wrote, only templates may go;
 *                 failed at once (free text cannot succeed until the customer writes again)
 *   number_unusable Meta 190 (token expired or revoked), 368 (number blocked), 131031 (account
 *                 locked), 133010 (number not registered): failed at once, the number is marked for
 *                 the operator
 */
export type SendFailureCode =
  | "unreachable"
  | "connection_lost"
  | "timeout"
  | "server_error"
  | "rate_limited"
  | "rejected"
  | "unauthorized"
  | "not_found"
  | "bad_response"
  | "not_configured"
  | "outside_window"
  | "number_unusable";

export interface SendFailure {
  code: SendFailureCode;
  /** What the provider said, or what went wrong on the way; never contains credentials. */
  message: string;
  httpStatus?: number;
  /** 429: how long the provider asked to wait (body `retry_after`, else `X-RateLimit-Reset`). */
  retryAfterSeconds?: number;
}

export type SendResult =
  { ok: true; providerMessageId: number | string; providerStatus?: string } | { ok: false; failure: SendFailure };

/** One vendor number at one provider (Wasender, Meta, Unipile): the only thing outbound messages go through. */
export interface MessagingProvider {
  readonly provider: string;
  send(to: string, content: OutboundContent): Promise<SendResult>;
  /** The WhatsApp message id that status events will name, for a message this provider sent. */
  lookupMessageId(providerMessageId: number | string): Promise<string | undefined>;
}

export type AdminCallResult = { ok: true; json: unknown } | { ok: false; failure: SendFailure };

/** A number's Wasender session as the admin API drives it (webhook settings, status). */
export interface WasenderSession {
  updateSession(settings: Record<string, unknown>): Promise<AdminCallResult>;
  sessionStatus(): Promise<AdminCallResult>;
}
