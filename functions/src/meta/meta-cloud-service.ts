import type { Dispatcher } from "undici";
import type { OutboundContent } from "../model/message";
import { DEFAULT_TIMEOUT_MS, encodePathSegment, ProviderTransport } from "../messaging/transport";
import type { MessagingProvider, SendResult } from "../messaging/types";
import { failureFromAnswer, sendSuccessSchema } from "./send-responses";

export interface MetaCloudConfig {
  vendorId: string;
  /** The `waba_instances` document id: which of the vendor's numbers this service speaks for. */
  wabaInstanceId: string;
  /** Meta's id of the Cloud API number (`metaPhoneNumberId`). */
  phoneNumberId: string;
  /** System-user or business token, sent as Bearer. */
  accessToken: string;
  /** Graph API base including the version, e.g. "https://graph.facebook.com/v25.0". */
  apiUrl: string;
  /** Header and body timeout of one request; 10 s unless a test needs a short one. */
  timeoutMs?: number;
}

export { DEFAULT_TIMEOUT_MS };
/** Meta's documented limits: a longer text or caption is refused with 100. */
const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;

/** Sends as one vendor's WhatsApp Cloud API number (`POST {base}/{phone-number-id}/messages`). */
export class MetaCloudService implements MessagingProvider {
  readonly provider = "meta";
  private readonly path: string;
  private readonly transport: ProviderTransport;

  constructor(
    readonly config: MetaCloudConfig,
    dispatcher: Dispatcher,
  ) {
    this.path = `/${encodePathSegment(config.phoneNumberId)}/messages`;
    this.transport = new ProviderTransport("Meta", config.apiUrl, dispatcher, config.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  async send(to: string, content: OutboundContent): Promise<SendResult> {
    // One request per attempt: retries are the delivery state machine's, by cause (outbound/failure.ts).
    const response = await this.transport.request({
      method: "POST",
      path: this.path,
      headers: { authorization: `Bearer ${this.config.accessToken}` },
      json: messageBody(to, content),
    });
    if (!response.ok) return { ok: false, failure: response.failure };
    const { statusCode, json } = response;
    if (statusCode >= 200 && statusCode < 300) {
      const success = sendSuccessSchema.safeParse(json);
      if (success.success) {
        const [message] = success.data.messages;
        return {
          ok: true,
          providerMessageId: message!.id,
          ...(message!.message_status && { providerStatus: message!.message_status }),
        };
      }
    }
    return { ok: false, failure: failureFromAnswer(statusCode, json, [this.config.accessToken]) };
  }

  /** The wamid sending returned is already the id status webhooks name: no second call. */
  lookupMessageId(providerMessageId: number | string): Promise<string | undefined> {
    const id = String(providerMessageId);
    return Promise.resolve(id.length > 0 ? id : undefined);
  }
}

/**
 * Meta's body for one message. Meta takes one medium per message: with both URLs the document wins
 * (an invoice or catalogue carries what the customer needs; the image is illustration).
 */
export function messageBody(to: string, content: OutboundContent): Record<string, unknown> {
  const base = { messaging_product: "whatsapp", recipient_type: "individual", to: to.trim().replace(/^\+/, "") };
  const caption = content.text.length > 0 ? { caption: cut(content.text, MAX_CAPTION) } : {};
  if (content.documentUrl) {
    return {
      ...base,
      type: "document",
      document: { link: content.documentUrl, filename: filenameOf(content.documentUrl), ...caption },
    };
  }
  if (content.imageUrl) return { ...base, type: "image", image: { link: content.imageUrl, ...caption } };
  return { ...base, type: "text", text: { body: cut(content.text, MAX_TEXT), preview_url: false } };
}

/** The URL's last path segment ("catalogue%20mai.pdf" → "catalogue mai.pdf"), else "document". */
export function filenameOf(url: string): string {
  let segment = "";
  try {
    segment = new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? "";
    segment = decodeURIComponent(segment);
  } catch {
    // A malformed escape keeps the raw segment; an unparsable URL gets the default name.
  }
  // Control characters are exactly what this strips from a file name.
  // eslint-disable-next-line no-control-regex
  const name = segment.replace(/[\\/\u0000-\u001f]/g, "").trim();
  return name.length > 0 ? cut(name, 240) : "document";
}

/**
 * Cut to Meta's limit by code points (never splitting an emoji), with an ellipsis: a failover message
 * slightly shortened beats one Meta refuses for good.
 */
function cut(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join("")}…`;
}
