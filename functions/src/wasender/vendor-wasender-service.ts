import type { Dispatcher } from "undici";
import type { OutboundContent } from "../model/message";
import { encodePathSegment, ProviderTransport, type ProviderAnswer } from "../messaging/transport";
import {
  GATEWAY_STATUSES,
  type AdminCallResult,
  type MessagingProvider,
  type SendFailure,
  type SendResult,
  type WasenderSession,
} from "../messaging/types";
import { secondsFromRateLimitReset } from "../shared/rate-limit-reset";
import {
  describeErrorBody,
  errorBodySchema,
  messageInfoSchema,
  sendSuccessSchema,
  type WasenderErrorBody,
} from "./api-schemas";

export interface VendorWasenderConfig {
  vendorId: string;
  /** The `waba_instances` document id: which of the vendor's numbers this service speaks for. */
  wabaInstanceId: string;
  apiKey: string;
  /** Base URL including its path, e.g. "https://www.wasenderapi.com/api". */
  apiUrl: string;
  /** Wasender's session id, when known (used by admin calls, not by sending). */
  instanceId?: string;
  /** The account's personal access token, needed to change the session's settings. */
  accessToken?: string;
}

export type { AdminCallResult };

/** Sends as one vendor's WhatsApp number through that number's Wasender session. */
export class VendorWasenderService implements MessagingProvider, WasenderSession {
  readonly provider = "wasender";
  private readonly transport: ProviderTransport;

  constructor(
    readonly config: VendorWasenderConfig,
    dispatcher: Dispatcher,
  ) {
    this.transport = new ProviderTransport("Wasender", config.apiUrl, dispatcher);
  }

  sendMessage(to: string, text: string): Promise<SendResult> {
    return this.send(to, { text });
  }

  async send(to: string, content: OutboundContent): Promise<SendResult> {
    const body: Record<string, string> = { to, text: content.text };
    if (content.imageUrl) body.imageUrl = content.imageUrl;
    if (content.documentUrl) body.documentUrl = content.documentUrl;
    // One request per attempt: retries are the delivery state machine's, by cause (retry-policy.ts).
    return this.post("/send-message", body);
  }

  /** `GET /messages/{msgId}/info`: links the msgId sending returned to the WhatsApp id statuses use. */
  async lookupMessageId(providerMessageId: number | string): Promise<string | undefined> {
    const response = await this.call("GET", `/messages/${encodePathSegment(String(providerMessageId))}/info`);
    if (!response.ok || response.statusCode !== 200) return undefined;
    const info = messageInfoSchema.safeParse(response.json);
    return info.success ? (info.data.data.key?.id ?? info.data.data.messageId) : undefined;
  }

  /** `PUT /whatsapp-sessions/{id}` with the personal access token: the session's webhook settings. */
  async updateSession(settings: Record<string, unknown>): Promise<AdminCallResult> {
    if (!this.config.instanceId)
      return {
        ok: false,
        failure: { code: "not_configured", message: "the instance has no wasenderInstanceId (session id)" },
      };
    if (!this.config.accessToken)
      return { ok: false, failure: { code: "not_configured", message: "the instance has no wasenderAccessToken" } };
    const path = `/whatsapp-sessions/${encodePathSegment(this.config.instanceId)}`;
    return this.adminResult(await this.call("PUT", path, settings, this.config.accessToken));
  }

  /** `GET /status` with the session key: `{ status }`. */
  async sessionStatus(): Promise<AdminCallResult> {
    return this.adminResult(await this.call("GET", "/status"));
  }

  private adminResult(response: Awaited<ReturnType<VendorWasenderService["call"]>>): AdminCallResult {
    if (!response.ok) return response;
    if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true, json: response.json };
    const errorBody = errorBodySchema.safeParse(response.json);
    return {
      ok: false,
      failure: httpFailure(
        response.statusCode,
        errorBody.success ? errorBody.data : undefined,
        response.rateLimitReset,
      ),
    };
  }

  private async post(path: string, body: unknown): Promise<SendResult> {
    const response = await this.call("POST", path, body);
    if (!response.ok) return { ok: false, failure: response.failure };
    const { statusCode, json, rateLimitReset } = response;
    if (statusCode >= 200 && statusCode < 300) {
      const success = sendSuccessSchema.safeParse(json);
      if (success.success) {
        const { msgId, status } = success.data.data;
        return { ok: true, providerMessageId: msgId, ...(status && { providerStatus: status }) };
      }
    }
    const errorBody = errorBodySchema.safeParse(json);
    return {
      ok: false,
      failure: httpFailure(statusCode, errorBody.success ? errorBody.data : undefined, rateLimitReset),
    };
  }

  private async call(
    method: "GET" | "POST" | "PUT",
    path: string,
    body?: unknown,
    token: string = this.config.apiKey,
  ): Promise<(ProviderAnswer & { ok: true; rateLimitReset?: string }) | { ok: false; failure: SendFailure }> {
    const headers = { authorization: `Bearer ${token}` };
    const answer = await this.transport.request({ method, path, headers, ...(body !== undefined && { json: body }) });
    if (!answer.ok) return answer;
    const reset = answer.headers["x-ratelimit-reset"];
    return { ...answer, ...(reset !== undefined && { rateLimitReset: reset }) };
  }
}

function httpFailure(status: number, body: WasenderErrorBody | undefined, rateLimitReset?: string): SendFailure {
  const described = describeErrorBody(body, `HTTP ${status}`);
  if (status === 401 || status === 403) {
    return { code: "unauthorized", message: `Wasender refused the token: ${described}`, httpStatus: status };
  }
  if (status === 404) {
    return { code: "not_found", message: `Wasender does not know it: ${described}`, httpStatus: status };
  }
  if (status === 429) {
    // Wasender's own wait: `retry_after` in the body, else X-RateLimit-Reset (a Unix time or seconds).
    const retryAfter = body?.retry_after ?? secondsFromRateLimitReset(rateLimitReset, Date.now());
    return {
      code: "rate_limited",
      message: `Wasender rate limit: ${described}`,
      httpStatus: status,
      ...(retryAfter !== undefined && { retryAfterSeconds: retryAfter }),
    };
  }
  if (GATEWAY_STATUSES.has(status))
    return {
      code: "connection_lost",
      message: `Wasender's gateway answered ${status}, the message may have gone out: ${described}`,
      httpStatus: status,
    };
  if (status >= 500) return { code: "server_error", message: `Wasender failed: ${described}`, httpStatus: status };
  if (status >= 200 && status < 300) {
    return {
      code: "bad_response",
      message: `Wasender answered ${status} without a msgId: ${described}`,
      httpStatus: status,
    };
  }
  return { code: "rejected", message: `Wasender rejected the message: ${described}`, httpStatus: status };
}
