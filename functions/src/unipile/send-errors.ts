import { answerFailure, type ProviderErrors } from "../messaging/http-failure";
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

/**
 * Unipile's failures: by `type` (above), else by HTTP status, where Unipile's table gives 504
 * (`request_timeout`, may have been sent) and 501 (`feature_not_implemented`) their own meaning.
 */
export const UNIPILE_ERRORS: ProviderErrors = {
  name: "Unipile",
  statusOverrides: { 501: "rejected", 504: "timeout" },
  wording: {
    unauthorized: "Unipile refused the account or key (reconnect the account or check unipileApiKey)",
    not_found: "Unipile does not know the account or chat",
  },
};

/**
 * The failure for a non-success answer. `headers` are the answer's (lower-case): a 429's wait comes
 * from `retry-after`, else `x-ratelimit-reset`.
 */
export function failureFromAnswer(
  httpStatus: number,
  json: unknown,
  headers: Record<string, string>,
  secrets: readonly string[],
): SendFailure {
  const parsed = errorBodySchema.safeParse(json);
  const body = parsed.success ? parsed.data : undefined;
  const known = body?.type !== undefined ? UNIPILE_ERROR_TYPES[body.type] : undefined;
  const detail = describeUnipileError(body, httpStatus);
  const failure = answerFailure(UNIPILE_ERRORS, { httpStatus, known, detail }, secrets);
  if (failure.code === "rate_limited") {
    const wait = secondsFromRateLimitReset(headers["retry-after"] ?? headers["x-ratelimit-reset"], Date.now());
    if (wait !== undefined) failure.retryAfterSeconds = wait;
  }
  return failure;
}
