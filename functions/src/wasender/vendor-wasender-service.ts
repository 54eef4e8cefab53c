import { errors as undiciErrors, type Dispatcher } from "undici";
import type { OutboundContent } from "../model/message";
import { GATEWAY_STATUSES, type MessagingProvider, type SendFailure, type SendResult } from "../messaging/types";
import { secondsFromRateLimitReset } from "./rate-limit-reset";
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

export type AdminCallResult = { ok: true; json: unknown } | { ok: false; failure: SendFailure };

const REQUEST_TIMEOUT_MS = 10_000;
/** Failures that prove the request never left: nothing can have reached WhatsApp. */
const CONNECT_ERROR_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

/** Sends as one vendor's WhatsApp number through that number's Wasender session. */
export class VendorWasenderService implements MessagingProvider {
  readonly provider = "wasender";
  private readonly basePath: string;

  constructor(
    readonly config: VendorWasenderConfig,
    private readonly dispatcher: Dispatcher,
  ) {
    this.basePath = new URL(config.apiUrl).pathname.replace(/\/+$/, "");
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
    const response = await this.call("GET", `/messages/${encodeURIComponent(String(providerMessageId))}/info`);
    if (!response.ok || response.statusCode !== 200) return undefined;
    const info = messageInfoSchema.safeParse(response.json);
    return info.success ? (info.data.data.key?.id ?? info.data.data.messageId) : undefined;
  }

  /** `PUT /whatsapp-sessions/{id}` with the personal access token: the session's webhook settings. */
  async updateSession(settings: Record<string, unknown>): Promise<AdminCallResult> {
    if (!this.config.instanceId) return { ok: false, failure: { code: "not_configured", message: "the instance has no wasenderInstanceId (session id)" } };
    if (!this.config.accessToken) return { ok: false, failure: { code: "not_configured", message: "the instance has no wasenderAccessToken" } };
    const path = `/whatsapp-sessions/${encodeURIComponent(this.config.instanceId)}`;
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
    return { ok: false, failure: httpFailure(response.statusCode, errorBody.success ? errorBody.data : undefined, response.rateLimitReset) };
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
    return { ok: false, failure: httpFailure(statusCode, errorBody.success ? errorBody.data : undefined, rateLimitReset) };
  }

  private async call(
    method: "GET" | "POST" | "PUT",
    path: string,
    body?: unknown,
    token: string = this.config.apiKey,
  ): Promise<{ ok: true; statusCode: number; json: unknown; rateLimitReset?: string } | { ok: false; failure: SendFailure }> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        method,
        path: this.basePath + path,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
    } catch (error) {
      return { ok: false, failure: transportFailure(error) };
    }
    const text = await response.body.text().catch(() => "");
    const reset = response.headers["x-ratelimit-reset"];
    return { ok: true, statusCode: response.statusCode, json: parseJson(text), ...(typeof reset === "string" && { rateLimitReset: reset }) };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function transportFailure(error: unknown): SendFailure {
  const code = (error as { code?: string }).code ?? "";
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? "";
  if (CONNECT_ERROR_CODES.has(code) || CONNECT_ERROR_CODES.has(cause)) {
    return { code: "unreachable", message: `could not connect to Wasender (${code || cause})` };
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    // The request was written: Wasender may have sent it.
    return { code: "timeout", message: `Wasender did not answer within ${REQUEST_TIMEOUT_MS / 1000}s` };
  }
  return { code: "connection_lost", message: `connection to Wasender failed mid-request (${code || cause || "unknown"})` };
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
  if (GATEWAY_STATUSES.has(status)) return { code: "connection_lost", message: `Wasender's gateway answered ${status}, the message may have gone out: ${described}`, httpStatus: status };
  if (status >= 500) return { code: "server_error", message: `Wasender failed: ${described}`, httpStatus: status };
  if (status >= 200 && status < 300) {
    return { code: "bad_response", message: `Wasender answered ${status} without a msgId: ${described}`, httpStatus: status };
  }
  return { code: "rejected", message: `Wasender rejected the message: ${described}`, httpStatus: status };
}
