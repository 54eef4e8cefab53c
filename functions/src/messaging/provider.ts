import type { OutboundContent } from "../model/message";

export interface SendFailure {
  /** Stable machine code: unauthorized, rate_limited, rejected, server_error, timeout, network, bad_response. */
  code: string;
  /** What the provider said, or what went wrong on the way; never contains credentials. */
  message: string;
  httpStatus?: number;
  /** True when nothing was sent and the same send may be tried again later. */
  retryable: boolean;
  retryAfterSeconds?: number;
}

export type SendResult =
  | { ok: true; providerMessageId: number | string; providerStatus?: string }
  | { ok: false; failure: SendFailure };

/** One vendor number at one provider (Wasender today, Meta later): the only thing replies go through. */
export interface MessagingProvider {
  readonly provider: string;
  send(to: string, content: OutboundContent): Promise<SendResult>;
  /** The WhatsApp message id that status events will name, for a message this provider sent. */
  lookupMessageId(providerMessageId: number | string): Promise<string | undefined>;
}
