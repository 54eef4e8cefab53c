import { errors as undiciErrors, type Dispatcher } from "undici";
import type { OutboundContent } from "../model/message";
import type { MessagingProvider, SendFailure, SendResult } from "../messaging/types";
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

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Meta's documented limits: a longer text or caption is refused with 100. */
const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
/** Failures that prove the request never left: nothing can have reached WhatsApp. */
const CONNECT_ERROR_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

/** Sends as one vendor's WhatsApp Cloud API number (`POST {base}/{phone-number-id}/messages`). */
export class MetaCloudService implements MessagingProvider {
  readonly provider = "meta";
  private readonly path: string;
  private readonly timeoutMs: number;

  constructor(
    readonly config: MetaCloudConfig,
    private readonly dispatcher: Dispatcher,
  ) {
    const basePath = new URL(config.apiUrl).pathname.replace(/\/+$/, "");
    this.path = `${basePath}/${encodeURIComponent(config.phoneNumberId)}/messages`;
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async send(to: string, content: OutboundContent): Promise<SendResult> {
    // One request per attempt: retries are the delivery state machine's, by cause (retry-policy.ts).
    const response = await this.post(messageBody(to, content));
    if (!response.ok) return { ok: false, failure: response.failure };
    const { statusCode, json } = response;
    if (statusCode >= 200 && statusCode < 300) {
      const success = sendSuccessSchema.safeParse(json);
      if (success.success) {
        const [message] = success.data.messages;
        return { ok: true, providerMessageId: message!.id, ...(message!.message_status && { providerStatus: message!.message_status }) };
      }
    }
    return { ok: false, failure: failureFromAnswer(statusCode, json, (text) => this.redact(text)) };
  }

  /** The wamid sending returned is already the id status webhooks name: no second call. */
  async lookupMessageId(providerMessageId: number | string): Promise<string | undefined> {
    const id = String(providerMessageId);
    return id.length > 0 ? id : undefined;
  }

  private async post(body: unknown): Promise<{ ok: true; statusCode: number; json: unknown } | { ok: false; failure: SendFailure }> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        method: "POST",
        path: this.path,
        headers: {
          authorization: `Bearer ${this.config.accessToken}`,
          accept: "application/json",
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      return { ok: false, failure: this.transportFailure(error) };
    }
    const text = await response.body.text().catch(() => "");
    return { ok: true, statusCode: response.statusCode, json: parseJson(text) };
  }

  private transportFailure(error: unknown): SendFailure {
    const code = (error as { code?: string }).code ?? "";
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? "";
    if (CONNECT_ERROR_CODES.has(code) || CONNECT_ERROR_CODES.has(cause)) {
      return { code: "unreachable", message: `could not connect to Meta (${code || cause})` };
    }
    if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
      // The request was written: Meta may have sent it.
      return { code: "timeout", message: `Meta did not answer within ${this.timeoutMs / 1000}s` };
    }
    return { code: "connection_lost", message: `connection to Meta failed mid-request (${code || cause || "unknown"})` };
  }

  /** Failure texts are stored and shown to operators: the token must never be in one. */
  private redact(text: string): string {
    const token = this.config.accessToken;
    return token.length > 0 ? text.split(token).join("[redacted]") : text;
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
    return { ...base, type: "document", document: { link: content.documentUrl, filename: filenameOf(content.documentUrl), ...caption } };
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
