import type { Dispatcher } from "undici";
import type { OutboundContent } from "../model/message";
import { DEFAULT_TIMEOUT_MS, encodePathSegment, ProviderTransport, type ProviderAnswer } from "../messaging/transport";
import { answerFailure, type ProviderErrors } from "../messaging/http-failure";
import {
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
  /** How long one call may take (DEFAULT_TIMEOUT_MS when absent). */
  timeoutMs?: number;
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
    this.transport = new ProviderTransport(
      "Wasender",
      config.apiUrl,
      dispatcher,
      config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
  }

  sendMessage(to: string, text: string): Promise<SendResult> {
    return this.send(to, { text });
  }

  async send(to: string, content: OutboundContent): Promise<SendResult> {
    const body: Record<string, string> = { to, text: content.text };
    if (content.imageUrl) body.imageUrl = content.imageUrl;
    if (content.documentUrl) body.documentUrl = content.documentUrl;
    // One request per attempt: retries are the delivery state machine's, by cause (outbound/failure.ts).
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
        this.secrets(),
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
      failure: httpFailure(statusCode, errorBody.success ? errorBody.data : undefined, this.secrets(), rateLimitReset),
    };
  }

  /** What a failure text must never show, should Wasender echo it back. */
  private secrets(): Array<string | undefined> {
    return [this.config.apiKey, this.config.accessToken];
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

/** Wasender's failures: by HTTP status alone (its error bodies carry no code), as for any provider. */
export const WASENDER_ERRORS: ProviderErrors = { name: "Wasender" };

/** The failure for a non-success answer; a 429 waits as long as Wasender asks. */
function httpFailure(
  status: number,
  body: WasenderErrorBody | undefined,
  secrets: ReadonlyArray<string | undefined>,
  rateLimitReset?: string,
): SendFailure {
  const detail = describeErrorBody(body, `HTTP ${status}`);
  const failure = answerFailure(WASENDER_ERRORS, { httpStatus: status, detail }, secrets);
  if (failure.code === "rate_limited") {
    // Wasender's own wait: `retry_after` in the body, else X-RateLimit-Reset (a Unix time or seconds).
    const retryAfter = body?.retry_after ?? secondsFromRateLimitReset(rateLimitReset, Date.now());
    if (retryAfter !== undefined) failure.retryAfterSeconds = retryAfter;
  }
  return failure;
}
