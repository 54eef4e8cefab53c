import { FormData, type Dispatcher } from "undici";
import type { OutboundContent } from "../model/message";
import { DEFAULT_TIMEOUT_MS, ProviderTransport } from "../messaging/transport";
import type { MessagingProvider, SendResult } from "../messaging/types";
import { chatStartedSchema } from "./api-schemas";
import { failureFromAnswer } from "./send-errors";

export interface UnipileConfig {
  vendorId: string;
  /** The `waba_instances` document id: which of the vendor's numbers this service speaks for. */
  wabaInstanceId: string;
  /** Unipile's `account_id` of the linked number. */
  accountId: string;
  /** The workspace's access token, sent as X-API-KEY. */
  apiKey: string;
  /** The workspace's DSN base including `/api/v1`. */
  apiUrl: string;
  timeoutMs?: number;
}

/** WhatsApp's id of a customer for Unipile: international digits without "+", then `@s.whatsapp.net`. */
export function attendeeId(to: string): string {
  return `${to.trim().replace(/^\+/, "").replace(/\D/g, "")}@s.whatsapp.net`;
}

/**
 * The text Unipile sends for a reply. Unipile takes no media by URL (attachments are uploaded bytes):
 * a product image or a document goes as its link under the text (WhatsApp shows a preview), so a reply
 * never waits on fetching a file, and a dead image link cannot make the answer fail.
 */
export function unipileText(content: OutboundContent): string {
  const links = [content.imageUrl, content.documentUrl].filter((link): link is string => !!link);
  return [content.text, ...links].filter((part) => part.length > 0).join("\n");
}

/**
 * Sends as one vendor's number linked to Unipile: multipart `POST /chats` with the account and the
 * customer's attendee id ("starting" the 1:1 chat that exists sends into it).
 */
export class UnipileService implements MessagingProvider {
  readonly provider = "unipile";
  private readonly transport: ProviderTransport;

  constructor(
    readonly config: UnipileConfig,
    dispatcher: Dispatcher,
  ) {
    this.transport = new ProviderTransport(
      "Unipile",
      config.apiUrl,
      dispatcher,
      config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
  }

  async send(to: string, content: OutboundContent): Promise<SendResult> {
    const form = new FormData();
    form.append("account_id", this.config.accountId);
    form.append("attendees_ids", attendeeId(to));
    form.append("text", unipileText(content));
    const answer = await this.transport.request({
      method: "POST",
      path: "/chats",
      headers: { "x-api-key": this.config.apiKey },
      form,
    });
    if (!answer.ok) return answer;
    const { statusCode, json, headers } = answer;
    if (statusCode >= 200 && statusCode < 300) {
      const started = chatStartedSchema.safeParse(json);
      // Either id may be null on a success: the message went out all the same, never to be resent.
      if (started.success) {
        const id = started.data.message_id ?? (started.data.chat_id ? `chat:${started.data.chat_id}` : "unipile:sent");
        return { ok: true, providerMessageId: id };
      }
    }
    return {
      ok: false,
      failure: failureFromAnswer(statusCode, json, headers, [this.config.apiKey]),
    };
  }

  /** Unipile sends no delivery statuses for outbound messages: its own id is kept as the link. */
  lookupMessageId(providerMessageId: number | string): Promise<string | undefined> {
    const id = String(providerMessageId);
    return Promise.resolve(id.length > 0 ? id : undefined);
  }
}
