import { errors as undiciErrors, type Dispatcher, type FormData } from "undici";
import type { SendFailure } from "./types";

/** Header and body timeout of one provider request; a test may pass a shorter one. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Failures that prove the request never left: nothing can have reached WhatsApp. */
export const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export interface ProviderRequest {
  method: "GET" | "POST" | "PUT";
  /** Appended to the base URL's path: "/send-message". */
  path: string;
  headers: Record<string, string>;
  /** JSON is serialized (with its content type); a FormData sets its own multipart boundary. */
  json?: unknown;
  form?: FormData;
}

export type ProviderAnswer =
  | { ok: true; statusCode: number; json: unknown; headers: Record<string, string> }
  | { ok: false; failure: SendFailure };

/** The body as JSON, or undefined (a proxy's HTML page, an empty body). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The path part of a base URL without its trailing slash ("https://h:1/api/v1/" → "/api/v1"). */
export function basePathOf(apiUrl: string): string {
  return new URL(apiUrl).pathname.replace(/\/+$/, "");
}

/** One path segment of a provider URL (an id), so it can never add a segment or a query. */
export function encodePathSegment(segment: string | number): string {
  return encodeURIComponent(String(segment));
}

/** `text` with every occurrence of each secret replaced: failure texts are stored and shown. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  return secrets.reduce<string>(
    (out, secret) => (secret && secret.length > 0 ? out.split(secret).join("[redacted]") : out),
    text,
  );
}

/**
 * How a request that got no answer failed, as the retry policy needs it: never connected
 * (`unreachable`, nothing can have been sent), no answer in time (`timeout`) or the connection broke
 * after the request was written (`connection_lost`): the provider may have sent it.
 */
export function transportFailure(providerName: string, error: unknown, timeoutMs: number): SendFailure {
  const code = (error as { code?: string }).code ?? "";
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? "";
  if (CONNECT_ERROR_CODES.has(code) || CONNECT_ERROR_CODES.has(cause)) {
    return { code: "unreachable", message: `could not connect to ${providerName} (${code || cause})` };
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return { code: "timeout", message: `${providerName} did not answer within ${timeoutMs / 1000}s` };
  }
  return {
    code: "connection_lost",
    message: `connection to ${providerName} failed mid-request (${code || cause || "unknown"})`,
  };
}

/**
 * The one undici transport of every provider: a request under the base URL's path on the pooled
 * client of its origin, the answer read as JSON whatever its content type, a transport failure mapped
 * to its retry cause. One request per call: retries are the delivery state machine's.
 */
export class ProviderTransport {
  private readonly basePath: string;

  constructor(
    /** Named in failure texts: "Wasender", "Meta", "Unipile". */
    readonly providerName: string,
    apiUrl: string,
    private readonly dispatcher: Dispatcher,
    readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {
    this.basePath = basePathOf(apiUrl);
  }

  async request(request: ProviderRequest): Promise<ProviderAnswer> {
    let response: Dispatcher.ResponseData;
    const headers: Record<string, string> = { accept: "application/json", ...request.headers };
    if (request.json !== undefined) headers["content-type"] = "application/json";
    try {
      response = await this.dispatcher.request({
        method: request.method,
        path: this.basePath + request.path,
        headers,
        ...(request.json !== undefined && { body: JSON.stringify(request.json) }),
        // undici writes the multipart body with its own boundary in the content type.
        ...(request.form !== undefined && { body: request.form }),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      return { ok: false, failure: transportFailure(this.providerName, error, this.timeoutMs) };
    }
    const text = await response.body.text().catch(() => "");
    return {
      ok: true,
      statusCode: response.statusCode,
      json: parseJson(text),
      headers: stringHeaders(response.headers),
    };
  }
}

function stringHeaders(headers: Dispatcher.ResponseData["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string") out[name.toLowerCase()] = value;
    else if (Array.isArray(value) && value[0] !== undefined) out[name.toLowerCase()] = value[0];
  }
  return out;
}
