import type { SendFailure, SendFailureCode } from "../messaging/types";
import { secondsFromRateLimitReset } from "../shared/rate-limit-reset";
import { errorBodySchema, type UnipileErrorBody } from "./api-schemas";

/**
 * Unipile's error table (docs/unipile.md, "Errors"), decided on `type` first, then on the status,
 * mapped to the retry causes of README "Retry policy":
 *   400 invalid_parameters, too_many_characters ........ rejected (never retried)
 *   401 disconnected_account, expired_credentials ...... unauthorized (failed, the number is marked)
 *   403 account_restricted, feature_not_subscribed ..... unauthorized (failed, the number is marked)
 *   404 resource_not_found ............................. not_found (failed, the number is marked)
 *   415 unsupported_media_type, 501 ..................... rejected
 *   422 invalid_recipient, user_unreachable, cant_send . rejected
 *   429 too_many_requests .............................. rate_limited (after retry-after)
 *   500 unexpected_error, provider_error ............... server_error (a few tries)
 *   503 no_client_session, network_down, unavailable ... server_error (retried)
 *   504 request_timeout ................................ timeout (retried on Unipile, possible duplicate)
 */
export const UNIPILE_ERROR_TYPES: Readonly<Record<string, SendFailureCode>> = {
  "errors/invalid_parameters": "rejected",
  "errors/too_many_characters": "rejected",
  "errors/disconnected_account": "unauthorized",
  "errors/expired_credentials": "unauthorized",
  "errors/account_restricted": "unauthorized",
  "errors/feature_not_subscribed": "unauthorized",
  "errors/resource_not_found": "not_found",
  "errors/unsupported_media_type": "rejected",
  "errors/invalid_recipient": "rejected",
  "errors/user_unreachable": "rejected",
  "errors/cant_send_message": "rejected",
  "errors/too_many_requests": "rate_limited",
  "errors/unexpected_error": "server_error",
  "errors/provider_error": "server_error",
  "errors/feature_not_implemented": "rejected",
  "errors/no_client_session": "server_error",
  "errors/network_down": "server_error",
  "errors/service_unavailable": "server_error",
  "errors/request_timeout": "timeout",
};

const MAX_DETAIL = 300;

/** "errors/invalid_recipient (Invalid recipient): The recipient …", cut for storage. */
export function describeUnipileError(body: UnipileErrorBody | undefined, httpStatus: number): string {
  if (!body || (!body.type && !body.title && !body.detail)) return `HTTP ${httpStatus}`;
  const head = `${body.type ?? `HTTP ${httpStatus}`}${body.title ? ` (${body.title})` : ""}`;
  const text = body.detail ? `${head}: ${body.detail}` : head;
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

/** For an answer with no known `type` (a proxy's page, a new type): by HTTP status as the table has it. */
function codeFromHttpStatus(status: number): SendFailureCode {
  if (status >= 200 && status < 300) return "bad_response";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 502 || status === 504) return status === 504 ? "timeout" : "connection_lost";
  if (status === 501) return "rejected";
  if (status >= 500) return "server_error";
  return "rejected";
}

const PREFIX: Record<SendFailureCode, string> = {
  rejected: "Unipile rejected the message",
  unauthorized: "Unipile refused the account or key (reconnect the account or check unipileApiKey)",
  not_found: "Unipile does not know the account or chat",
  rate_limited: "Unipile rate limit",
  server_error: "Unipile failed",
  timeout: "Unipile timed out, the message may have gone out",
  connection_lost: "Unipile's gateway failed, the message may have gone out",
  bad_response: "Unipile answered without a message",
  unreachable: "could not reach Unipile",
  outside_window: "outside the customer window",
  number_unusable: "the Unipile account is unusable",
  not_configured: "not configured",
};

/**
 * The failure for a non-success answer. `headers` are the answer's (lower-case): a 429's wait comes
 * from `retry-after`, else `x-ratelimit-reset`. `redact` removes the key should it be echoed.
 */
export function failureFromAnswer(
  httpStatus: number,
  json: unknown,
  headers: Record<string, string>,
  redact: (text: string) => string,
): SendFailure {
  const parsed = errorBodySchema.safeParse(json);
  const body = parsed.success ? parsed.data : undefined;
  const known = body?.type !== undefined ? UNIPILE_ERROR_TYPES[body.type] : undefined;
  const code = known ?? codeFromHttpStatus(httpStatus);
  const failure: SendFailure = {
    code,
    message: `${PREFIX[code]}: ${redact(describeUnipileError(body, httpStatus))}`,
    httpStatus,
  };
  if (code === "rate_limited") {
    const wait = secondsFromRateLimitReset(headers["retry-after"] ?? headers["x-ratelimit-reset"], Date.now());
    if (wait !== undefined) failure.retryAfterSeconds = wait;
  }
  return failure;
}
